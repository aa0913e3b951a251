"""The recipients' hand-written SQL other than the writer's (bulkupload.writer), search's
(recipients.search) and the counts' (recipients.counts), and the differences between
PostgreSQL and SQLite that go with it. Nothing else in the portal runs raw SQL or asks which
database it is on (tests/test_architecture.py):

- `execute_arrays`: PostgreSQL statements with binary array parameters, for the writer and the
  username counters (a 5,000-row import 0.97 s against 1.17 s with Django's own binding);
- `usernames_in_use`, `add_to_username_counters`, `raise_username_counters`: the portal
  usernames' counters (recipients.usernames says what they buy: the same cost for a family of
  one as for 100,000 sharing an address);
- `tidy_recipients`: the recipients' table's VACUUM after imports (deep pages of Loaded
  Recipients in 46 ms instead of 490-640 ms at a million), and `analyze_recipients`, its
  ANALYZE, which beat runs;
- `on_postgresql`: for code outside these modules that must know (the throwaway databases of
  tests and benches: devsupport.throwaway).

The benches' own SQL (VACUUM, sizes on disk, their clean slate) is bench/sql.py's.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence

import psycopg
from django.conf import settings
from django.db import connection

from providers.models import PortalUsernameCounter, User

from .models import Recipient

_MAX_PARAMS = 30000  # below SQLite's 32766 and PostgreSQL's 65535 bound parameters


def on_postgresql() -> bool:
    """Whether the database is PostgreSQL (else SQLite, the embedded default)."""
    return connection.vendor == "postgresql"


def execute_arrays(sql: str, params: Sequence[object], *, fetch: bool = True) -> list[tuple]:
    """Run `sql` on PostgreSQL, with `%b` for array parameters, and return its rows.

    Django's cursor binds parameters on the client: a list becomes an array literal that
    psycopg quotes element by element in Python, and a thousand %s placeholders cost more to
    bind than the statement costs the server. Here a list is one binary parameter, which
    psycopg dumps without quoting, on a server-binding cursor over Django's own connection
    (so inside its transaction).
    """
    connection.ensure_connection()
    start = time.monotonic()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall() if fetch else []
    if connection.queries_logged:
        # Counted like Django's own queries (DEBUG, tests' query counts), without the
        # parameters: they are people's names, emails and dates of birth.
        duration = time.monotonic() - start
        connection.queries_log.append({"sql": sql, "time": f"{duration:.3f}"})
    return rows


# After an import, the recipients' table is vacuumed once this many rows were added since it
# last was (settings.RECIPIENTS_VACUUM_ROWS, plus this share of the table); beat analyzes it
# once that many changed (plus the larger share): as autovacuum would, on servers where it is
# off or behind.
VACUUM_SHARE = 0.02
ANALYZE_SHARE = 0.10


def tidy_recipients(added: int) -> str:
    """VACUUM the recipients' table when imports added enough rows since it last was,
    counting the `added` of an import that just ended: what was done ("" or "VACUUM").

    Why: Loaded Recipients' deep pages and counts read the sort indexes alone (index-only
    scans), which is only fast where the visibility map says a page's rows are all visible,
    and only VACUUM sets it: page 4,000 at a million recipients took 490-640 ms with none set,
    46 ms after. Left to autovacuum (off on these machines, and behind after a fill) nothing
    sets it. A VACUUM reads only the pages not yet marked, so its cost follows the rows added
    since the last one (0.2 s after a 5,000-row import at a million, 0.6 s for the whole
    million the first time: bench/README.md). SKIP_LOCKED: another VACUUM at work is enough.
    Outside a transaction only (VACUUM cannot run in one): a caller inside one skips it.

    Not ANALYZE: it samples 30,000 rows whatever was added (0.13-0.19 s at 30,000
    recipients), which made every other 5,000-row import half as slow again
    (bench/README.md, issue 27); the plans are built to be fast on stale statistics, and beat
    runs `analyze_recipients` every minute.
    """
    counts = _changes_since_tidied()
    if counts is None:
        return ""
    inserted, _, size = counts
    if inserted + added < settings.RECIPIENTS_VACUUM_ROWS + VACUUM_SHARE * size:
        return ""
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (SKIP_LOCKED) {_recipients_table()}")
    return "VACUUM"


def analyze_recipients() -> bool:
    """ANALYZE the recipients' table when enough rows changed since it last was (beat, every
    minute); whether it did. PostgreSQL only, outside a transaction, like `tidy_recipients`."""
    counts = _changes_since_tidied()
    if counts is None:
        return False
    _, modified, size = counts
    if modified < settings.RECIPIENTS_VACUUM_ROWS + ANALYZE_SHARE * size:
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE (SKIP_LOCKED) {_recipients_table()}")
    return True


def _changes_since_tidied() -> tuple[int, int, float] | None:
    """(rows inserted since the last VACUUM, rows changed since the last ANALYZE, rows in the
    table) as the server counts them (pg_stat_user_tables: a connection publishes its counts
    up to a second after its commits); None where there is nothing to tidy (SQLite, or inside
    a transaction)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.n_ins_since_vacuum, s.n_mod_since_analyze, GREATEST(c.reltuples, 0) "
            "FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
            "WHERE s.relid = %s::regclass",
            [Recipient._meta.db_table],
        )
        return cursor.fetchone()


def _recipients_table() -> str:
    return connection.ops.quote_name(Recipient._meta.db_table)


def usernames_in_use(usernames: Collection[str]) -> set[str]:
    """Which of these usernames are in use: one look-up in the unique index for all of them
    (on PostgreSQL one array parameter, however many)."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(User._meta.db_table)
        sql = f"SELECT username FROM {table} WHERE username = ANY(%b::text[])"  # noqa: S608
        return {username for (username,) in execute_arrays(sql, [list(usernames)])}
    return set(User.objects.filter(username__in=usernames).values_list("username", flat=True))


def add_to_username_counters(wanted: dict[str, int]) -> dict[str, int]:
    """Add `wanted[address]` numbers to each address's counter, creating those missing, and
    return each counter's new highest: one INSERT ... ON CONFLICT DO UPDATE ... RETURNING for
    all of them. The conflict is found through the counters' primary key whatever the
    planner's statistics say. Addresses go in one order, so two batches sharing several
    addresses lock their counters in the same order instead of deadlocking."""
    table = connection.ops.quote_name(PortalUsernameCounter._meta.db_table)
    addresses = sorted(wanted)
    update = f"ON CONFLICT (address) DO UPDATE SET highest = {table}.highest + excluded.highest"
    if connection.vendor == "postgresql":
        sql = (
            f"INSERT INTO {table} (address, highest) "  # noqa: S608
            "SELECT * FROM unnest(%b::varchar[], %b::integer[]) AS n(address, highest) "
            f"ORDER BY address {update} RETURNING address, highest"
        )
        return dict(execute_arrays(sql, [addresses, [wanted[a] for a in addresses]]))
    return dict(_upsert_counters(addresses, [wanted[a] for a in addresses], update))


def raise_username_counters(addresses: list[str], numbers: list[int]) -> None:
    """Raise each address's counter to at least its number (creating those missing)."""
    table = connection.ops.quote_name(PortalUsernameCounter._meta.db_table)
    larger = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    update = (
        f"ON CONFLICT (address) DO UPDATE SET highest = {larger}({table}.highest, excluded.highest)"
    )
    _upsert_counters(addresses, numbers, update)


def _upsert_counters(addresses: list[str], numbers: list[int], conflict: str) -> list[tuple]:
    """INSERT the counters (address, highest) with this ON CONFLICT clause, through Django's
    cursor (a few rows at a time: a batch's addresses, or a catch-up's)."""
    table = connection.ops.quote_name(PortalUsernameCounter._meta.db_table)
    rows: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(addresses), _MAX_PARAMS // 2):
            chunk = range(start, min(start + _MAX_PARAMS // 2, len(addresses)))
            params = [value for k in chunk for value in (addresses[k], numbers[k])]
            values = ", ".join(["(%s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} (address, highest) VALUES {values} "  # noqa: S608
                f"{conflict} RETURNING address, highest",
                params,
            )
            rows += cursor.fetchall()
    return rows
