"""Shared email addresses and placeholders (issue 27): usernames for a crowded address, 20,000
placeholder rows, and shared-address people imported into a location of a million.

    DATABASE_URL=postgres://root@127.0.0.1:5432/cvms .venv/bin/python bench/shared_addresses.py

In a throwaway database, with one manager's location; every timed import is a 5,000-row file
through `import_recipients` in-process (call_command: stored as an Upload, run as its job):
1. a crowded address: files whose 5,000 rows all share one address, the first when the
   family is new, the next ones once it has --crowd accounts (the username allocation,
   recipients.usernames.free_usernames);
2. placeholders: four files of 5,000 rows all with noemail@none.com: created, welcome emails
   queued (0), the manager's summary line, and the last file's time against the first's;
3. shared-address people: files of realistic people whose addresses repeat (first.last@domain,
   as families and namesakes share them) imported near-empty, then the location filled to
   --recipients such people through the import's own writer (statistics left from the empty
   tables: "stale", as without autovacuum), imported again, then after ANALYZE.
Medians of --runs, each figure's ratio to its reference printed beside it.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import random
import statistics
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from devsupport import setup_django  # noqa: E402

setup_django()

import sql  # noqa: E402 - bench/sql.py
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bulkupload.emails import upload_summary_message  # noqa: E402
from bulkupload.engine.cleaning import CleanRow  # noqa: E402
from bulkupload.models import Upload  # noqa: E402
from bulkupload.writer import BatchWriter  # noqa: E402
from devsupport.recipientfiles import DOMAINS, FIRST, LAST  # noqa: E402
from devsupport.throwaway import (  # noqa: E402
    bench_manager,
    bench_upload,
    send_no_tasks,
    throwaway_database,
)
from outbox.models import OutboundEmail  # noqa: E402
from providers.models import Location, PortalUsernameCounter, User  # noqa: E402
from recipients.models import Recipient  # noqa: E402
from recipients.names import name_key  # noqa: E402

send_no_tasks()  # welcome emails stay queued: sending is the worker's (bench/outbox.py)

ROWS = 5000
FILL_BATCH = 10_000
PLACEHOLDER = "noemail@none.com"
CROWDED = "front.desk@clinic.example"


def _born(rng: random.Random) -> dt.date:
    return dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(27_000))


def _shared_address(first: str, last: str, rng: random.Random) -> str:
    """The address as people write it, with no number: namesakes and families share it."""
    local = f"{name_key(first)}.{name_key(last)}".encode("ascii", "ignore").decode()
    return f"{local.replace(chr(39), '')}@{rng.choice(DOMAINS)}"


Person = tuple[str, str, dt.date, str]
_drawn: set[tuple[str, str, dt.date]] = set()  # every person once in the whole bench


def _people(rng: random.Random, email: str | None = None) -> Iterator[Person]:
    while True:
        first, last, born = rng.choice(FIRST), rng.choice(LAST), _born(rng)
        if (first, last, born) not in _drawn:
            _drawn.add((first, last, born))
            yield first, last, born, email or _shared_address(first, last, rng)


def _csv(people: Iterator[Person], rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["FirstName", "LastName", "Date of birth", "Email"])
    for _ in range(rows):
        first, last, born, email = next(people)
        writer.writerow([first, last, f"{born.month}/{born.day}/{born.year}", email])
    return out.getvalue().encode()


class Importer:
    """5,000-row files through `import_recipients`, in-process, as an operator runs it."""

    def __init__(self, location: Location, user: User, folder: Path) -> None:
        self.location, self.user, self.folder = location, user, folder
        self.files = 0

    def run(self, data: bytes) -> tuple[float, Upload]:
        self.files += 1
        path = self.folder / f"file-{self.files}.csv"
        path.write_bytes(data)
        started = time.perf_counter()
        call_command(
            "import_recipients",
            str(path),
            "--location",
            self.location.pin,
            "--as",
            self.user.email,
            "--json",
            stdout=io.StringIO(),
        )
        took = time.perf_counter() - started
        return took, Upload.objects.latest("id")

    def median(self, people: Iterator, runs: int) -> float:
        return statistics.median(self.run(_csv(people, ROWS))[0] for _ in range(runs))


def fill(location: Location, user: User, count: int, rng: random.Random) -> int:
    """`count` more shared-address people at the location, with accounts and (sent) welcome
    emails, written by the import's own writer; returns how many were created."""
    upload = bench_upload(location, user, "shared-fill.csv")
    people = _people(rng)
    created, line = 0, 1

    def rows(size: int) -> list[CleanRow]:
        nonlocal line
        batch = []
        for first, last, born, email in (next(people) for _ in range(size)):
            line += 1
            batch.append(
                CleanRow(line, [], first, last, born, email, name_key(first), name_key(last))
            )
        return batch

    batches = -(-count // FILL_BATCH)
    with BatchWriter(location=location, user=user, upload=upload, batches=batches) as writer:
        pending: deque[tuple[int, Future]] = deque()
        while created < count or pending:
            wanted = count - created - sum(size for size, _ in pending)
            if wanted > 0 and len(pending) <= writer.in_flight:
                batch = rows(min(FILL_BATCH, wanted))
                pending.append((len(batch), writer.submit(batch)))
            else:
                created += len(pending.popleft()[1].result().created)
    OutboundEmail.objects.filter(status=OutboundEmail.Status.QUEUED).update(
        status=OutboundEmail.Status.ACCEPTED, sent_at=upload.created_at
    )
    sql.vacuum(OutboundEmail._meta.db_table)
    return created


def _line(label: str, seconds: float, reference: float, what: str) -> None:
    print(f"  {label:44} {seconds:7.3f} s  {seconds / reference:5.2f}x {what}")


def crowded_address(importer: Importer, crowd: int, runs: int, rng: random.Random) -> None:
    print(f"\n1. one crowded address ({ROWS:,} rows per file, all {CROWDED}):")
    people = _people(rng, CROWDED)
    first = importer.median(people, 1)
    _line("family new (first file)", first, first, "the first")
    grown = ROWS
    while grown < crowd:
        importer.run(_csv(people, ROWS))
        grown += ROWS
    family = PortalUsernameCounter.objects.get(address=CROWDED).highest
    _line(f"family of {family:,} already", importer.median(people, runs), first, "the first")


def placeholders(importer: Importer, rng: random.Random) -> None:
    print(f"\n2. 20,000 rows all {PLACEHOLDER}, in four files:")
    people = _people(rng, PLACEHOLDER)
    times, uploads = [], []
    for _ in range(4):
        took, upload = importer.run(_csv(people, ROWS))
        times.append(took)
        uploads.append(upload)
    for number, (took, upload) in enumerate(zip(times, uploads, strict=True), 1):
        _line(
            f"file {number}: {upload.created_count:,} created, {upload.failed_count} failed",
            took,
            times[0],
            "the first",
        )
    loaded = Recipient.objects.filter(email=PLACEHOLDER).count()
    welcomed = OutboundEmail.objects.filter(
        kind=OutboundEmail.Kind.WELCOME, user__email=PLACEHOLDER
    ).count()
    print(f"  recipients with {PLACEHOLDER}: {loaded:,}; welcome emails for them: {welcomed}")
    body = upload_summary_message(uploads[-1]).body
    said = next((line for line in body.splitlines() if "no real email" in line), "(nothing)")
    print(f"  the last file's summary email says: {said}")
    print(f"  last file / first file: {times[-1] / times[0]:.2f}x (target <= 1.3x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=1_000_000)
    parser.add_argument("--crowd", type=int, default=100_000, help="accounts on one address")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(27)

    with throwaway_database("bench_shared"), tempfile.TemporaryDirectory() as folder:
        user = bench_manager("NCA727000")
        location = user.managed_locations.get()
        importer = Importer(location, user, Path(folder))
        print(f"Database: {sql.database()} (throwaway {connection.settings_dict['NAME']})")
        sql.analyze()
        shared = _people(rng)
        near = importer.median(shared, args.runs)
        print(f"\n3. shared-address people, {ROWS:,}-row files (the reference: near-empty):")
        _line("near-empty", near, near, "near-empty")

        placeholders(importer, rng)
        crowded_address(importer, args.crowd, args.runs, rng)

        started = time.perf_counter()
        created = fill(location, user, args.recipients, rng)
        total = Recipient.objects.filter(location=location).count()
        print(
            f"\nfilled {created:,} shared-address people in {time.perf_counter() - started:.0f} s"
            f" (the location: {total:,}; addresses counted: "
            f"{PortalUsernameCounter.objects.count():,})"
        )
        print(f"3. shared-address people at {total:,}:")
        _line("statistics stale", importer.median(shared, args.runs), near, "near-empty")
        sql.vacuum(analyze=True)
        _line("after VACUUM ANALYZE", importer.median(shared, args.runs), near, "near-empty")
        print("  (targets: <= 2x stale, <= 1.3x after ANALYZE)")


if __name__ == "__main__":
    main()
