"""State scale: imports and Loaded Recipients with a million recipients at one location.

    DATABASE_URL=postgres://root@127.0.0.1:5432/cvms .venv/bin/python bench/scale.py

In a throwaway database (never the configured one itself), with one manager's location:
1. near-empty: 5,000-row imports of fresh people and dry runs, statistics fresh (ANALYZE of
   the empty tables), as bench/run.py measures them;
2. fills the location to --recipients recipients, each with its portal account and its welcome
   email (sent), through the writer the import uses (bulkupload.writer.create_recipients: the
   same rows, indexes and constraints as an import, without parsing a million-row file), and
   leaves the planner's statistics as they were, from the empty tables: "stale", as on a
   machine without autovacuum while imports fill the tables;
3. the same imports and dry runs, and the Loaded Recipients page for every sort, common and
   rare searches and a deep page (Django's test client, signed in as the manager);
4. VACUUM ANALYZE, as autovacuum would run it ("fresh"), and all of step 3 again.
Medians of --runs, and each figure's ratio to the near-empty one. Each timed import is a new
file of fresh people with its own Upload row, as a job has; the location grows by the imports.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import random
import statistics
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from devsupport import setup_django  # noqa: E402

setup_django()

import sql  # noqa: E402 - bench/sql.py
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from bulkupload.engine.cleaning import CleanRow  # noqa: E402
from bulkupload.models import Upload  # noqa: E402
from bulkupload.pipeline import import_file  # noqa: E402
from bulkupload.writer import BatchWriter  # noqa: E402
from devsupport.recipientfiles import DOMAINS, FIRST, LAST, make_file  # noqa: E402
from devsupport.throwaway import (  # noqa: E402
    bench_manager,
    bench_upload,
    send_no_tasks,
    throwaway_database,
)
from outbox.models import OutboundEmail  # noqa: E402
from providers.models import Location, User  # noqa: E402
from recipients.names import name_key  # noqa: E402

send_no_tasks()  # the welcome emails stay queued: sending is the worker's (bench/outbox.py)

FILL_BATCH = 10_000
IMPORT_ROWS = 5000
SORTS = ["last_name", "-last_name", "first_name", "-first_name", "date_of_birth"]
SORTS += ["-date_of_birth", "email", "-email"]
# A very common last name, a two-letter prefix, a full name, accents, rare, no match, and two
# letters that start no name (found through the index like any other: recipients/search.py).
SEARCHES = ["smith", "jo", "maria garcia", "núñez", "o'brien", "zzzz", "qx"]
PAGES = [{"page": "400"}, {"q": "smith", "page": "40"}, {"sort": "-email", "page": "400"}]


def fill(location: Location, user: User, count: int, rng: random.Random) -> int:
    """`count` more people at the location (a person drawn twice is replaced), with accounts
    and welcome emails, written by the import's own writer; returns how many were created."""
    upload = bench_upload(location, user, "scale-fill.csv")
    created = 0
    people = _people(rng)
    # Batches written as an import writes them: several at once (bulkupload.writer.BatchWriter).
    batches = -(-count // FILL_BATCH)  # rounded up
    with BatchWriter(location=location, user=user, upload=upload, batches=batches) as writer:
        pending: deque[tuple[int, Future]] = deque()
        while created < count or pending:
            wanted = count - created - sum(size for size, _ in pending)
            if wanted > 0 and len(pending) <= writer.in_flight:
                rows = [next(people) for _ in range(min(FILL_BATCH, wanted))]
                pending.append((len(rows), writer.submit(rows)))
            else:
                created += len(pending.popleft()[1].result().created)
    # The welcome emails went out long ago: the outbox holds them as sent. Vacuumed, so the
    # update's dead rows do not weigh on the outbox; the recipients' and accounts' tables and
    # their statistics are left alone.
    OutboundEmail.objects.filter(status=OutboundEmail.Status.QUEUED).update(
        status=OutboundEmail.Status.ACCEPTED, sent_at=upload.created_at
    )
    sql.vacuum(OutboundEmail._meta.db_table)
    return created


def _people(rng: random.Random) -> Iterator[CleanRow]:
    """Random people with unique emails, checked as the engine would have checked them."""
    today = dt.date.today()
    for serial in itertools.count(1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        local = f"{name_key(first)}.{name_key(last)}{serial}".encode("ascii", "ignore")
        yield CleanRow(
            line=serial + 1,
            cells=[],
            first_name=first,
            last_name=last,
            date_of_birth=today - dt.timedelta(days=rng.randrange(6570, 33000)),
            email=f"{local.decode().replace(chr(39), '')}@{rng.choice(DOMAINS)}",
            first_name_key=name_key(first),
            last_name_key=name_key(last),
        )


class Bench:
    def __init__(self, location: Location, user: User, runs: int) -> None:
        self.location, self.user, self.runs = location, user, runs
        self.files = 0
        self.client = Client()
        self.client.force_login(user)

    def _file(self) -> bytes:
        # Fresh people each time: the seed differs, and the numbered first names of
        # make_file are never among the fill's.
        self.files += 1
        return make_file(IMPORT_ROWS, seed=10_000 + self.files, existing=[])

    def imports(self) -> float:
        times = []
        for _ in range(self.runs):
            data = self._file()
            upload = bench_upload(self.location, self.user, f"scale-{self.files}.csv")
            times.append(_timed(lambda data=data, upload=upload: self._import(data, upload)))
        return statistics.median(times)

    def dry_runs(self) -> float:
        data = self._file()
        times = [
            _timed(lambda: import_file(data, location=None, user=self.user, dry_run=True))
            for _ in range(self.runs)
        ]
        return statistics.median(times)

    def writes(self) -> dict[str, float]:
        return {"5,000-row import": self.imports(), "5,000-row dry run": self.dry_runs()}

    def _import(self, data: bytes, upload: Upload) -> None:
        import_file(data, location=self.location, user=self.user, upload=upload)

    def page(self, params: dict) -> float:
        self.client.get("/bulk-registration/", params)  # warm-up
        times = []
        for _ in range(self.runs):
            started = time.perf_counter()
            response = self.client.get("/bulk-registration/", params)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
        return statistics.median(times)

    def pages(self) -> dict[str, float]:
        cases = [{"sort": sort} for sort in SORTS]
        cases += [{"q": term, "sort": sort} for term in SEARCHES for sort in ("last_name", "email")]
        cases += PAGES
        return {_describe(params): self.page(params) for params in cases}


def _describe(params: dict) -> str:
    return " ".join(f"{key}={value}" for key, value in params.items())


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _report(title: str, figures: dict[str, float], near: dict[str, float]) -> None:
    print(f"\n{title}, medians of the runs:")
    for label, seconds in figures.items():
        print(f"  {label:20} {seconds:8.3f} s   {seconds / near[label]:5.2f}x near-empty")


def _report_pages(title: str, pages: dict[str, float]) -> None:
    print(f"\nLoaded Recipients page at the location, {title}, medians:")
    for label, seconds in pages.items():
        print(f"  {label:38} {seconds * 1000:8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    with throwaway_database("bench_scale"):
        user = bench_manager("NCA710000")
        bench = Bench(user.managed_locations.get(), user, args.runs)
        print(f"Database: {sql.database()} (throwaway {connection.settings_dict['NAME']})")
        sql.analyze()
        near = bench.writes()
        _report("near-empty", near, near)

        started = time.perf_counter()
        created = fill(bench.location, user, args.recipients, random.Random(2021))
        print(f"filled {created:,} recipients in {time.perf_counter() - started:.0f} s")
        # Printed as they come: a bench that stops part-way still says what it measured.
        _report("statistics stale (from the empty tables)", bench.writes(), near)
        stale_pages = bench.pages()
        _report_pages("statistics stale", stale_pages)

        sql.vacuum(analyze=True)
        _report("statistics fresh (VACUUM ANALYZE)", bench.writes(), near)
        fresh_pages = bench.pages()
        _report_pages("statistics fresh", fresh_pages)
        worst = max([*stale_pages.values(), *fresh_pages.values()]) * 1000
        print(f"\nworst Loaded Recipients page: {worst:.1f} ms (target < 100 ms)")


if __name__ == "__main__":
    main()
