"""Step 2: find the header row and which column holds which field.

Matching is forgiving, because providers retype headers: case, spaces, underscores, hyphens and
punctuation do not matter, and common synonyms are accepted ("DOB", "E-mail", "Email Address").
Columns are found by name in any order. An "Error" column (an error file uploaded again as it
is) and any other unknown column are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .reading import FileRejected, Row

FIELDS = ("first_name", "last_name", "date_of_birth", "email")
# The template's column names, in the guide's spelling: messages use them.
LABELS = {
    "first_name": "FirstName",
    "last_name": "LastName",
    "date_of_birth": "Date of birth",
    "email": "Email",
}
ERROR_COLUMN = "Error"
HEADER_SEARCH_ROWS = 5

_SYNONYMS = {
    "first_name": ["firstname", "first", "fname", "givenname", "forename", "recipientfirstname"],
    "last_name": ["lastname", "last", "lname", "surname", "familyname", "recipientlastname"],
    "date_of_birth": [
        "dateofbirth",
        "dob",
        "birthdate",
        "birthday",
        "dateofbirthmmddyyyy",
        "dobmmddyyyy",
        "birthdatemmddyyyy",
    ],
    "email": [
        "email",
        "emailaddress",
        "emailid",
        "mail",
        "recipientemail",
        "recipientemailaddress",
    ],
    "error": ["error", "errors", "reasonforfailure", "errormessage"],
}
_FIELD_BY_NAME = {name: field for field, names in _SYNONYMS.items() for name in names}
_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Header:
    """The header row: where it is, what it says, and which column holds which field."""

    line: int
    cells: tuple[str, ...]
    columns: dict[str, int]  # field -> index of its (first) column
    error_columns: frozenset[int]  # columns of an earlier error file, left out of the new one


def header_field(cell: str) -> str | None:
    """The field a header cell names ("first_name", ..., "error"), or None if it is unknown."""
    return _FIELD_BY_NAME.get(_NOT_ALPHANUMERIC.sub("", cell.casefold()))


def map_header(line: int, cells: Row) -> Header:
    columns: dict[str, int] = {}
    error_columns = set()
    for index, cell in enumerate(cells):
        field = header_field(cell)
        if field == "error":
            error_columns.add(index)
        elif field is not None:
            columns.setdefault(field, index)
    return Header(line, tuple(cells), columns, frozenset(error_columns))


def find_header(rows: Iterable[tuple[int, Row]]) -> Header:
    """The first of the first five rows that names every required column.

    Hand-made sheets sometimes carry a title or an instruction above the header. If no row
    names them all, the file is rejected with the columns missing from the row that came
    closest (the first non-blank row when none names any).
    """
    closest: Header | None = None
    for line, cells in rows:
        if line > HEADER_SEARCH_ROWS:
            break
        if not any(cell.strip() for cell in cells):
            continue
        header = map_header(line, cells)
        if len(header.columns) == len(FIELDS):
            return header
        if closest is None or len(header.columns) > len(closest.columns):
            closest = header
    if closest is None:
        raise FileRejected("The file is empty.")
    missing = ", ".join(LABELS[field] for field in FIELDS if field not in closest.columns)
    raise FileRejected(
        f"The file is missing required columns: [{missing}]. The header row must name the "
        "columns FirstName, LastName, Date of birth and Email."
    )
