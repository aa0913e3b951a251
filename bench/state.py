"""The whole state in one database: 10,000,000 recipients over 3,000 locations (make bench-state).

    make bench-state [STATE_SIZE=1000000] [STATE_ARGS="--drop"]
    DATABASE_URL=postgres://root@127.0.0.1:5432/cvms .venv/bin/python bench/state.py --recipients N

PostgreSQL only. Not part of `make bench` or CI: at 10 million the fill takes an hour here.
In a database of its own next to the one DATABASE_URL names (`--database`, default
`bench_state`; never the configured one), kept between runs, so a run that stops part-way is
resumed by running it again, and a larger --recipients grows the same state:
1. near-empty (a new database): 5,000-row imports of a realistic file, statistics fresh;
2. fills --recipients people over --locations locations of Zipf sizes (a few systems with
   hundreds of thousands, a long tail of clinics of a few hundred), interleaved as uploads
   come in over months, each file of up to 5,000 people written by the import's own writer
   (bulkupload.writer.BatchWriter, as bench/scale.py): realistic names (bench/population.py),
   households and clinics sharing an address, 1 % placeholder addresses. Prints its progress,
   time and the database's size on disk as it goes; statistics are left stale;
3. measures, stale statistics: the 5,000-row import at the largest location, its Loaded
   Recipients pages (first page, sorts, searches of the commonest surname, one-letter words,
   an email address, deep pages) and the Recipients tab's count and search; bytes on disk per
   recipient (the recipients', accounts' and outbox's tables with their indexes);
4. ANALYZE (as autovacuum would), and step 3 again.
Medians of --runs. `--drop` drops the database at the end.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import urllib.parse
from pathlib import Path

import sql  # bench/sql.py (Django is set up later: it touches no setting on import)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

STARTED = time.perf_counter()


def _state_url(name: str) -> tuple[str, str]:
    """(the state database's URL, the server's maintenance URL) next to DATABASE_URL's."""
    url = urllib.parse.urlsplit(os.environ.get("DATABASE_URL", ""))
    if not url.scheme.startswith("postgres"):
        sys.exit("bench/state.py needs PostgreSQL: set DATABASE_URL=postgres://...")
    if url.path.lstrip("/") == name:
        sys.exit(f"--database {name} is the configured database: name another")
    return url._replace(path=f"/{name}").geturl(), url._replace(path="/postgres").geturl()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000_000)
    parser.add_argument("--locations", type=int, default=3000)
    parser.add_argument("--database", default="bench_state")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    args = parser.parse_args()

    url, server = _state_url(args.database)
    created = sql.ensure_database(args.database, server)
    os.environ["DATABASE_URL"] = url
    run = _run_in_django()
    run(args, new=created)
    if args.drop:
        from django.db import connection  # noqa: PLC0415 - after Django is set up

        connection.close()
        sql.drop_database(args.database, server)
        _say(f"dropped {args.database}")


def _say(text: str) -> None:
    print(f"[{time.perf_counter() - STARTED:8.0f} s] {text}", flush=True)


def _run_in_django():
    """Django set up against the state database; the bench's body."""
    from devsupport import setup_django  # noqa: PLC0415 - DATABASE_URL is set first

    setup_django()
    from state_steps import run  # noqa: PLC0415 - bench/state_steps.py, after setup

    return run


if __name__ == "__main__":
    main()
