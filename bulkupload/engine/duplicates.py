"""Step 4: find people who are already in the system, or earlier in the same file.

The same person is the same normalised first name, last name and date of birth (the key of the
database's unique constraint); different people may share an email. Only rows that pass every
other check are compared: a failed row creates nobody, so a later, correct row for the same
person is not its duplicate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection

from django.db import connection

from cvms import pgarrays
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


_EXISTING_SQL = f"""
    SELECT p.first_name_key, p.last_name_key, p.date_of_birth
    FROM unnest(%b::text[], %b::text[], %b::date[])
        AS p(first_name_key, last_name_key, date_of_birth)
    CROSS JOIN LATERAL (
        SELECT 1 FROM {Recipient._meta.db_table} AS r
        WHERE r.first_name_key = p.first_name_key AND r.last_name_key = p.last_name_key
            AND r.date_of_birth = p.date_of_birth AND r.removed_at IS NULL
        LIMIT 1
    ) AS found
"""  # noqa: S608 - the table name is the model's own


def existing_people(people: Collection[Person]) -> set[Person]:
    """Which of these people are active recipients already: one query for the whole batch.

    On PostgreSQL each person is one probe of the unique index on (first, last, born): a
    LATERAL sub-select with LIMIT 1 is not turned into a join, so the planner does not hash
    every recipient against the batch, as it does for a semi-join or for IN lists once the
    table is large (100 ms a batch at a million rows). The people go as one array parameter
    per column.

    This is the check of a dry run and of the Low Volume review. An import does not ask: its
    INSERT ... ON CONFLICT finds the same people through the unique index itself (writer.py),
    whatever the planner's statistics say while the import fills the table.
    """
    if not people:
        return set()
    if connection.vendor == "postgresql":
        columns = [list(column) for column in zip(*people, strict=True)]
        return set(pgarrays.execute(_EXISTING_SQL, columns))
    firsts = sorted({first for first, _, _ in people})
    lasts = sorted({last for _, last, _ in people})
    births = sorted({born for _, _, born in people})
    # SQLite: each column against its own list, and the exact triples picked out here.
    candidates = (
        Recipient.objects.active()
        .filter(first_name_key__in=firsts, last_name_key__in=lasts, date_of_birth__in=births)
        .values_list("first_name_key", "last_name_key", "date_of_birth")
    )
    wanted = set(people)
    return {person for person in candidates if person in wanted}
