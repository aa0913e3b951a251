"""The template's columns: the fields a recipient file must have, their names in the guide's
spelling, and the other names providers give them.

Matching is forgiving, because providers retype headers: case, spaces (of any kind), invisible
characters, underscores, hyphens, punctuation and full-width letters do not matter, and common
synonyms are accepted ("DOB", "E-mail", "Email Address").
"""

from __future__ import annotations

import re
import unicodedata

FIELDS = ("first_name", "last_name", "date_of_birth", "email")
# The template's column names, in the guide's spelling: messages use them.
LABELS = {
    "first_name": "FirstName",
    "last_name": "LastName",
    "date_of_birth": "Date of birth",
    "email": "Email",
}
ERROR_COLUMN = "Error"

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


# The Recipient Bulk Upload Template's header row, in the guide's order and spelling.
TEMPLATE_COLUMNS = tuple(LABELS[field] for field in FIELDS)


def header_field(cell: str) -> str | None:
    """The field a header cell names ("first_name", ..., "error"), or None if it is unknown."""
    if not cell.isascii():
        cell = unicodedata.normalize("NFKC", cell)
    return _FIELD_BY_NAME.get(_NOT_ALPHANUMERIC.sub("", cell.casefold()))
