"""Step 2: find the header row and which column holds which field.

Header cells are matched to fields as columns.py says, and columns are found by name in any
order. An "Error" column (an error file uploaded again as it
is) and any other unknown column are ignored.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from .columns import FIELDS, LABELS, TEMPLATE_COLUMNS, header_field
from .reading import FileRejected, Row

HEADER_SEARCH_ROWS = 5


@dataclass(frozen=True)
class Header:
    """The header row: where it is, what it says, and which column holds which field."""

    line: int
    cells: tuple[str, ...]
    columns: dict[str, int]  # field -> index of its (first) column
    error_columns: frozenset[int]  # columns of an earlier error file, left out of the new one

    @functools.cached_property
    def width(self) -> int:
        """How many cells a row has when it reaches every field's column."""
        return max(self.columns.values()) + 1


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
    *names, last = TEMPLATE_COLUMNS
    raise FileRejected(
        f"The file is missing required columns: [{missing}]. The header row must name the "
        f"columns {', '.join(names)} and {last}."
    )
