"""PostgreSQL statements with array parameters, for the hand-written SQL of imports, and the
recipients' table's upkeep after them (tidy_recipients)."""

from __future__ import annotations

import time
from collections.abc import Sequence

import psycopg
from django.conf import settings
from django.db import connection

from .models import Recipient


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
# last was (settings.RECIPIENTS_VACUUM_ROWS, plus this share of the table), and analyzed once
# that many changed (plus the larger share), as autovacuum would, on servers where it is off
# or behind.
VACUUM_SHARE = 0.02
ANALYZE_SHARE = 0.10


def tidy_recipients(added: int) -> str:
    """VACUUM (and ANALYZE) the recipients' table when imports added enough rows since it last
    was, counting the `added` of an import that just ended: what was done ("", "VACUUM",
    "ANALYZE" or "VACUUM, ANALYZE").

    Why: Loaded Recipients' deep pages and counts read the sort indexes alone (index-only
    scans), which is only fast where the visibility map says a page's rows are all visible,
    and only VACUUM sets it: page 4,000 at a million recipients took 490-640 ms with none set,
    46 ms after. Left to autovacuum (off on these machines, and behind after a fill) nothing
    sets it. A VACUUM reads only the pages not yet marked, so its cost follows the rows added
    since the last one (0.2 s after a 5,000-row import at a million, 0.6 s for the whole
    million the first time: bench/README.md). SKIP_LOCKED: another VACUUM at work is enough.
    Outside a transaction only (VACUUM cannot run in one): a caller inside one skips it.

    The counts since the last VACUUM and ANALYZE are the server's (pg_stat_user_tables), which
    a connection publishes up to a second after its commits: the import that just ended is
    counted by `added` (its rows may be counted twice, which only tidies a little sooner).
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return ""
    table = Recipient._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.n_ins_since_vacuum, s.n_mod_since_analyze, GREATEST(c.reltuples, 0) "
            "FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
            "WHERE s.relid = %s::regclass",
            [table],
        )
        row = cursor.fetchone()
        if row is None:
            return ""
        inserted, modified, size = row
        inserted, modified = inserted + added, modified + added
        floor = settings.RECIPIENTS_VACUUM_ROWS
        vacuum = inserted >= floor + VACUUM_SHARE * size
        analyze = modified >= floor + ANALYZE_SHARE * size
        quoted = connection.ops.quote_name(table)
        if vacuum:
            cursor.execute(f"VACUUM (SKIP_LOCKED{', ANALYZE' if analyze else ''}) {quoted}")
        elif analyze:
            cursor.execute(f"ANALYZE (SKIP_LOCKED) {quoted}")
    done = ["VACUUM"] * vacuum + ["ANALYZE"] * analyze
    return ", ".join(done)
