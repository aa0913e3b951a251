"""Speed and memory of the recipient file engine (make bench; see bench/README.md).

Creates its own throwaway database next to the one DATABASE_URL names (Django's test database,
as the test runner does), so it never touches real data, and drops it at the end.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gc
import io
import random
import resource
import statistics
import sys
import time
import tracemalloc
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from devsupport import setup_django  # noqa: E402

setup_django()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from bulkupload.models import OutboundEmail, Upload  # noqa: E402
from bulkupload.pipeline import import_file  # noqa: E402
from devsupport.throwaway import bench_manager, send_no_tasks, throwaway_database  # noqa: E402
from providers.models import User  # noqa: E402
from recipients.models import Recipient  # noqa: E402

# The engine is timed with the welcome-email outbox rows written, as an import writes them;
# sending them is the worker's job (the pipeline queues no sending anyway).
send_no_tasks()
# The bench's large file is ten times what an upload may hold: the limits are lifted.
settings.HIGH_VOLUME_MAX_ROWS = 10**6
settings.UPLOAD_MAX_BYTES = 1 << 30

FIRST = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy "
    "Matthew Betty Anthony Sandra Mark Margaret Donald Ashley Steven Kimberly Paul Emily Andrew "
    "Donna Joshua Michelle José María Zoë Siobhán Nguyễn Aaliyah DeShawn Chloé Renée Søren"
).split()
LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter O'Brien Smith-Jones "
    "Núñez St.John"
).split()
DOMAINS = [
    "gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "aol.com", "icloud.com",
    "ncdhhs.gov", "duke.edu", "unc.edu", "wakehealth.edu", "atriumhealth.org", "novanthealth.org",
    "companyemail.com", "example.org", "charter.net", "bellsouth.net",
]  # fmt: skip
BAD = [
    ("", None, None, None),  # missing first name
    (None, "", None, None),
    (None, None, "13/45/1990", None),
    (None, None, "1990-01-02", None),
    (None, None, "", None),
    (None, None, None, "bademail"),
    (None, None, None, "someone@"),
    (None, None, None, ""),
    ("Ann<b>", None, None, None),
]


def make_file(rows: int, seed: int, existing: list[tuple[str, str, str, str]]) -> bytes:
    """A file as a provider makes it: ~6% bad rows, ~1% repeated rows, a few people already in
    the system, families sharing an email, a blank row here and there."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["FirstName", "LastName", "Date of birth", "Email"])
    written: list[tuple[str, str, str, str]] = []
    for n in range(rows):
        roll = rng.random()
        if roll < 0.01 and written:
            row = rng.choice(written)  # the same person twice in the file
        elif roll < 0.015 and existing:
            row = rng.choice(existing)  # already loaded by an earlier upload
        else:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            born = f"{rng.randint(1, 12)}/{rng.randint(1, 28)}/{rng.randint(1930, 2004)}"
            if rng.random() < 0.05 and written:
                email = written[-1][3]  # a family member's address
            else:
                # Addresses are mostly ASCII even for accented names (jose.nunez@...); a few
                # people do use an internationalised one (josé.núñez@...).
                local = f"{first}.{last}{n}".lower()
                if rng.random() >= 0.01:
                    local = _ascii(local)
                email = f"{local}@{rng.choice(DOMAINS)}"
            row = (f"{first}{n % 997}", last, born, email)
            if rng.random() < 0.06:
                bad = rng.choice(BAD)
                row = tuple(b if b is not None else v for b, v in zip(bad, row, strict=True))
        written.append(row)
        writer.writerow(row)
        if rng.random() < 0.002:
            writer.writerow(["", "", "", ""])
    return out.getvalue().encode("utf-8")


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if char.isascii()).replace("'", "")


def clean_slate(keep_user_ids: list[int]) -> None:
    """Remove what an import created (not timed), so each run starts from the same state.

    On PostgreSQL the tables are truncated and vacuumed: DELETE alone would leave every earlier
    run's dead rows in the indexes, and each run would be slower than a real import is.
    """
    tables = [model._meta.db_table for model in (OutboundEmail, Recipient)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # CASCADE: the tables that point at these (doses, cases...) are empty in the bench.
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608
    User.objects.exclude(pk__in=keep_user_ids)._raw_delete(connection.alias)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {User._meta.db_table}")
            cursor.execute("ANALYZE")


def measure(label: str, data: bytes, runs: int, *, dry_run: bool, context: dict) -> dict:
    def prepare() -> None:
        """Not timed: the same starting state for every run."""
        if not dry_run:
            clean_slate(context["keep"])
            _seed_existing(context)
        gc.collect()

    def run_once():
        return import_file(
            data,
            location=context["location"],
            user=context["user"],
            # Every real import has its Upload row (jobs.process_upload); a dry run has none.
            upload=None if dry_run else context["upload"],
            dry_run=dry_run,
        )

    times = []
    result = None
    for _ in range(runs):
        prepare()
        start = time.perf_counter()
        result = run_once()
        times.append(time.perf_counter() - start)
    # Peak memory in a separate run: tracemalloc slows Python down, so it is not timed.
    prepare()
    tracemalloc.start()
    run_once()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    median = statistics.median(times)
    return {
        "label": label,
        "median": median,
        "min": min(times),
        "runs": runs,
        "rows": result.rows,
        "created": result.created,
        "failed": result.failed,
        "rows_per_second": result.rows / median,
        "peak_mb": peak / (1024 * 1024),
        "file_mb": len(data) / (1024 * 1024),
    }


def _seed_existing(context: dict) -> None:
    existing = [
        Recipient(
            location=context["location"],
            first_name=first,
            last_name=last,
            date_of_birth=_date(born),
            email=email,
        )
        for first, last, born, email in context["existing"]
    ]
    for recipient in existing:
        recipient.fill_keys()
    Recipient.objects.bulk_create(existing)


def _date(value: str) -> dt.date:
    month, day, year = map(int, value.split("/"))
    return dt.date(year, month, day)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per figure (median)")
    parser.add_argument("--large-runs", type=int, default=3, help="timed runs for 50,000 rows")
    parser.add_argument("--skip-large", action="store_true", help="only the 5,000-row file")
    args = parser.parse_args()

    with throwaway_database("bench_engine"):
        user = bench_manager("NCA659999")
        location = user.managed_locations.get()
        upload = Upload.objects.create(
            location=location,
            uploaded_by=user,
            source=Upload.Source.HIGH_VOLUME,
            file_name="bench.csv",
            content=b"",
            content_sha256="",
            status=Upload.Status.RUNNING,
        )
        existing = [
            (f"Existing{i}", "Person", f"1/{i % 28 + 1}/1970", f"existing{i}@example.com")
            for i in range(50)
        ]
        context = {
            "location": location,
            "user": user,
            "upload": upload,
            "keep": [user.pk],
            "existing": existing,
        }
        print(f"Database: {connection.vendor} (throwaway {connection.settings_dict['NAME']})")
        sizes = [5000] + ([] if args.skip_large else [50000])
        results = []
        for rows in sizes:
            data = make_file(rows, seed=rows, existing=existing)
            runs = args.runs if rows <= 5000 else args.large_runs
            results.append(
                measure(f"{rows:,} rows dry run", data, runs, dry_run=True, context=context)
            )
            results.append(
                measure(f"{rows:,} rows import", data, runs, dry_run=False, context=context)
            )
        print(
            f"{'':24} {'median s':>9} {'min s':>7} {'rows/s':>9} {'created':>8} {'failed':>7} "
            f"{'peak MB':>8} {'file MB':>8}"
        )
        for r in results:
            print(
                f"{r['label']:24} {r['median']:9.3f} {r['min']:7.3f} {r['rows_per_second']:9,.0f} "
                f"{r['created']:8,} {r['failed']:7,} {r['peak_mb']:8.1f} {r['file_mb']:8.1f}"
            )
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"Process peak resident memory (whole bench): {rss:.0f} MB")


if __name__ == "__main__":
    main()
