"""Step 4: find people who are already in the system, or earlier in the same file.

The same person is the same normalised first name, last name and date of birth (the key of the
database's unique constraint); different people may share an email. Only rows that pass every
other check are compared: a failed row creates nobody, so a later, correct row for the same
person is not its duplicate.

Who is in the system already is the caller's to say: the engine is handed an `ExistingPeople`
function (the writer's `loaded_people` in the portal, a set in tests) and asks it once per
batch. The portal's answers where and how each person is loaded (`LoadedPerson`), which the
duplicate's row keeps, so that a re-upload can reconcile with it (reconcile.py).

A duplicate's error is a `DuplicateRow`: the guide's message, and where the person was found
(earlier in the file, on which line, or loaded already), so that a review can explain it. Where
in the system a loaded person is, is for the caller to ask: the engine knows no locations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from .cleaning import CleanRow, RowError
from .headers import Header

Person = tuple[str, str, dt.date]


@dataclass(frozen=True, slots=True)
class LoadedPerson:
    """Where and how a person is loaded already: the recipient's id, their location's id,
    their address on file, and whether their portal account is set up (a password chosen)."""

    recipient: int
    location: int
    email: str
    set_up: bool


# Which of these people are loaded: a set, or a mapping that also says where and how.
ExistingPeople = Callable[[Collection[Person]], Mapping[Person, LoadedPerson] | set[Person]]


def nobody(people: Collection[Person]) -> set[Person]:
    """An ExistingPeople for an import: its insert finds who is loaded already (writer.py)."""
    return set()


@dataclass(frozen=True, slots=True)
class DuplicateRow(RowError):
    """A row that failed as a duplicate: the person, and the line of this file that has the
    same person first (None: the person is loaded in the system already)."""

    person: Person
    earlier_line: int | None = None
    email: str = ""  # the row's address, normalised
    loaded: LoadedPerson | None = None  # where and how, when the look-up said

    @property
    def in_file(self) -> bool:
        return self.earlier_line is not None


def duplicate_error(
    row: CleanRow,
    header: Header,
    earlier_line: int | None = None,
    *,
    loaded: LoadedPerson | None = None,
) -> DuplicateRow:
    """The guide's message for a duplicate row; `earlier_line` when the same person is on an
    earlier line of the file, none when they are loaded already (`loaded`: where and how)."""
    email = row.cells[header.columns["email"]].strip()
    message = f"Line {row.line}: Email: invalid email address: Duplicated {email}"
    return DuplicateRow(row.line, row.cells, message, row.person, earlier_line, row.email, loaded)
