"""PostgreSQL statements with array parameters, for the hand-written SQL of imports."""

from __future__ import annotations

import time
from collections.abc import Sequence

import psycopg
from django.db import connection


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
