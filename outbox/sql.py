"""The outbox's hand-written SQL, and where it differs between PostgreSQL and SQLite: the
sender chains' locks and the statement that marks an email accepted. Nothing else in outbox
runs raw SQL or asks which database it is on (tests/test_architecture.py).

- `helper_chains_possible`: helper sender chains exist on PostgreSQL only (SQLite writes one
  at a time, so more senders would only wait for each other);
- `try_chain_lock` / `release_chain_lock`: the PostgreSQL session (advisory) lock a helper
  chain holds while it sends, so at most one task runs per chain number; released when the
  task ends, or when a killed worker's connection closes;
- `marks_from_threads`: whether SMTP sessions' threads may mark their emails (not on SQLite,
  nor inside a caller's transaction, where other connections would not see the claim): with
  slow commits, 3,000 welcome emails went from 123/s (every mark committed in the sender's
  thread while the sessions waited) to 390/s (bench/README.md, issue 24);
- `mark_accepted`: emails accepted, on PostgreSQL in one written-out statement with the ids as
  one array (one statement text however many: the server plans it once per connection), where
  the ORM's update spent 0.3 ms building each; the sessions' marking thread marks every email
  accepted since its last commit at once (bench/README.md, issue 24).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence

from django.db import connection

from .models import OutboundEmail

# The PostgreSQL advisory lock (its first key; the second is the chain's number) that a helper
# sender chain holds while it sends: at most one task per chain number at a time.
HELPER_CHAIN_LOCK = 0x0B0C5E  # "outbox sender"


def helper_chains_possible() -> bool:
    """Whether this database takes helper sender chains (PostgreSQL)."""
    return connection.vendor == "postgresql"


def try_chain_lock(chain: int) -> bool:
    """Take helper chain `chain`'s lock for this connection's session, if no one holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [HELPER_CHAIN_LOCK, chain])
        (held,) = cursor.fetchone()
    return held


def release_chain_lock(chain: int) -> None:
    """Give back helper chain `chain`'s lock taken by `try_chain_lock`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [HELPER_CHAIN_LOCK, chain])


def marks_from_threads() -> bool:
    """Whether an SMTP session's thread may mark the emails it sent: its own connection's
    commit then waits side by side with the others'. Not while this connection is in a
    transaction (a caller's atomic block, as in tests: other connections would not see the
    claim), nor on SQLite, which writes one at a time."""
    return connection.vendor != "sqlite" and not connection.in_atomic_block


def mark_accepted(email_ids: Sequence[int], now: dt.datetime) -> None:
    """Mark these emails accepted at `now` where they are still being sent; where a provider's
    webhook said more already (delivered), that state stays and only the time is written.
    On PostgreSQL one written-out statement whatever their number (the ids as one array),
    on SQLite the ORM's."""
    if connection.vendor != "postgresql":
        _mark_accepted_orm(email_ids, now)
        return
    mark, only_the_time = _mark_accepted_sql()
    value = connection.ops.adapt_datetimefield_value(now)
    ids = list(email_ids)
    with connection.cursor() as cursor:
        cursor.execute(mark, [OutboundEmail.Status.ACCEPTED, value, value, ids])
        if cursor.rowcount < len(ids):
            cursor.execute(only_the_time, [value, ids])


def _mark_accepted_orm(email_ids: Sequence[int], now: dt.datetime) -> None:
    emails = OutboundEmail.objects.filter(pk__in=email_ids)
    marked = emails.filter(status=OutboundEmail.Status.SENDING).update(
        status=OutboundEmail.Status.ACCEPTED,
        sent_at=now,
        status_changed_at=now,
        last_error="",
        reason="",
    )
    if marked < len(email_ids):
        emails.filter(sent_at__isnull=True).update(sent_at=now)


@functools.cache
def _mark_accepted_sql() -> tuple[str, str]:
    table = connection.ops.quote_name(OutboundEmail._meta.db_table)
    sending = OutboundEmail.Status.SENDING.value
    # The table and the state are the model's own names; every value is a parameter.
    return (
        f"UPDATE {table} SET status = %s, sent_at = %s, status_changed_at = %s, "  # noqa: S608
        f"last_error = '', reason = '' WHERE id = ANY(%s) AND status = '{sending}'",
        f"UPDATE {table} SET sent_at = %s WHERE id = ANY(%s) AND sent_at IS NULL",  # noqa: S608
    )
