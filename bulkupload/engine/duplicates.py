"""Step 4: find people who are already in the system, or earlier in the same file.

The same person is the same normalised first name, last name and date of birth (the key of the
database's unique constraint); different people may share an email. Only rows that pass every
other check are compared: a failed row creates nobody, so a later, correct row for the same
person is not its duplicate.

Who is in the system already is the caller's to say: the engine is handed an `ExistingPeople`
function (the writer's `loaded_people` in the portal, a set in tests) and asks it once per
batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection

from .cleaning import CleanRow, RowError
from .headers import Header

Person = tuple[str, str, dt.date]
ExistingPeople = Callable[[Collection[Person]], set[Person]]


def nobody(people: Collection[Person]) -> set[Person]:
    """An ExistingPeople for an import: its insert finds who is loaded already (writer.py)."""
    return set()


def duplicate_error(row: CleanRow, header: Header) -> RowError:
    email = row.cells[header.columns["email"]].strip()
    return RowError(
        row.line, row.cells, f"Line {row.line}: Email: invalid email address: Duplicated {email}"
    )
