"""The benches' hand-written SQL: maintenance between runs (VACUUM, ANALYZE, TRUNCATE), sizes
on disk, and the state bench's remembered figures. The benches run nothing else by hand and
never ask which database they are on (tests/test_architecture.py); the portal's own SQL is in
bulkupload.writer, recipients.search, recipients.counts, recipients.sql and outbox.sql.
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg
from django.db import connection

# The state bench's figures kept between runs (bench/state_steps.py), in its own table.
META = "bench_state_meta"


def vacuum(table: str = "", *, analyze: bool = False) -> None:
    """VACUUM (and ANALYZE) one table, or the whole database, on PostgreSQL: what autovacuum,
    off on these machines, would have done before a timed run. Nothing on SQLite."""
    _maintain(f"VACUUM {'ANALYZE ' if analyze else ''}{table}".strip())


def analyze() -> None:
    """Fresh planner statistics for the whole database (PostgreSQL; nothing on SQLite)."""
    _maintain("ANALYZE")


def checkpoint() -> None:
    """Every page written so far flushed to disk (PostgreSQL's CHECKPOINT, which the server's
    checkpointer would have run within minutes; nothing on SQLite)."""
    _maintain("CHECKPOINT")


def _maintain(statement: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(statement)


def empty_tables(tables: Sequence[str]) -> None:
    """Remove every row of these tables (a bench's clean slate): TRUNCATE ... CASCADE on
    PostgreSQL (the tables that point at these are empty in a bench), DELETE on SQLite."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608


def database_size() -> int:
    """The PostgreSQL database's size on disk, in bytes (for the benches)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        (size,) = cursor.fetchone()
    return size


def bytes_of_tables(tables: Sequence[str]) -> int:
    """What these PostgreSQL tables take on disk with their indexes, in bytes (benches)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT SUM(pg_total_relation_size(t::regclass)) FROM unnest(%s::text[]) t",
            [list(tables)],
        )
        (size,) = cursor.fetchone()
    return size


def database() -> str:
    """The database's name for the benches' headings: "PostgreSQL" or "SQLite"."""
    return connection.display_name


def create_remembered() -> None:
    """The table that keeps the state bench's figures between runs (PostgreSQL)."""
    _maintain(f"CREATE TABLE IF NOT EXISTS {META} (key text PRIMARY KEY, value double precision)")


def remembered(key: str) -> float | None:
    """The figure kept under `key`, or None."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {META} WHERE key = %s", [key])  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else None


def remember(key: str, value: float) -> None:
    """Keep `value` under `key` for the next run."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {META} VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = %s",  # noqa: S608
            [key, value, value],
        )


def ensure_database(name: str, server: str) -> bool:
    """Create PostgreSQL database `name` on `server` (a URL) if missing; whether it was."""
    with psycopg.connect(server, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(f'CREATE DATABASE "{name}"')
        return True


def drop_database(name: str, server: str) -> None:
    """Drop PostgreSQL database `name` on `server` (a URL), if it is there."""
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
