"""Step 4: find people who are already in the system, or earlier in the same file.

The same person is the same normalised first name, last name and date of birth (the key of the
database's unique constraint); different people may share an email. Only rows that pass every
other check are compared: a failed row creates nobody, so a later, correct row for the same
person is not its duplicate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection

from recipients.models import Recipient

from .cleaning import CleanRow, RowError
from .headers import Header

Person = tuple[str, str, dt.date]
ExistingPeople = Callable[[Collection[Person]], set[Person]]


def duplicate_error(row: CleanRow, header: Header) -> RowError:
    email = row.cells[header.columns["email"]].strip()
    return RowError(
        row.line, row.cells, f"Line {row.line}: Email: invalid email address: Duplicated {email}"
    )


def existing_people(people: Collection[Person]) -> set[Person]:
    """Which of these people are active recipients already: one query for the whole batch.

    Each column is matched against its own list and the exact triples are picked out here.
    A row-value IN ((first, last, born), ...) would fetch exactly, but while a table grows
    faster than its statistics (the first big import into a fresh table) PostgreSQL plans it
    as a nested loop over the whole table for every batch, and a 50,000-row import slows
    down quadratically. Three IN lists are planned as index or hashed-array scans whatever
    the statistics say, at the cost of reading a few rows that match no one.
    """
    if not people:
        return set()
    candidates = (
        Recipient.objects.active()
        .filter(
            first_name_key__in={first for first, _, _ in people},
            last_name_key__in={last for _, last, _ in people},
            date_of_birth__in={born for _, _, born in people},
        )
        .values_list("first_name_key", "last_name_key", "date_of_birth")
    )
    wanted = set(people)
    return {person for person in candidates if person in wanted}
