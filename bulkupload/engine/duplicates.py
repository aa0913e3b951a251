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
    firsts = sorted({first for first, _, _ in people})
    lasts = sorted({last for _, last, _ in people})
    births = sorted({born for _, _, born in people})
    if connection.vendor == "postgresql":
        # One array parameter per column: a thousand %s placeholders cost the client more to
        # bind than the query costs the server.
        table = Recipient._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT first_name_key, last_name_key, date_of_birth FROM {table} "  # noqa: S608
                "WHERE removed_at IS NULL AND first_name_key = ANY(%s) "
                "AND last_name_key = ANY(%s) AND date_of_birth = ANY(%s)",
                [firsts, lasts, births],
            )
            candidates = cursor.fetchall()
    else:
        candidates = (
            Recipient.objects.active()
            .filter(first_name_key__in=firsts, last_name_key__in=lasts, date_of_birth__in=births)
            .values_list("first_name_key", "last_name_key", "date_of_birth")
        )
    wanted = set(people)
    return {person for person in candidates if person in wanted}
