"""Speed and memory of the recipient file engine (make bench; see bench/README.md).

Creates its own throwaway database next to the one DATABASE_URL names (Django's test database,
as the test runner does), so it never touches real data, and drops it at the end.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from devsupport import setup_django  # noqa: E402

setup_django()

import sql  # noqa: E402 - bench/sql.py
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from peer import peer_import  # noqa: E402 - bench/peer.py
from slate import clean_slate, seed_loaded  # noqa: E402 - bench/slate.py

from bulkupload.pipeline import import_file  # noqa: E402
from devsupport.recipientfiles import make_file  # noqa: E402
from devsupport.throwaway import (  # noqa: E402
    bench_manager,
    bench_upload,
    database_url,
    send_no_tasks,
    throwaway_database,
)

# The engine is timed with the welcome-email outbox rows written, as an import writes them;
# sending them is the worker's job (the pipeline queues no sending anyway).
send_no_tasks()
# The bench's large file is ten times what an upload may hold: the limits are lifted.
settings.HIGH_VOLUME_MAX_ROWS = 10**6
settings.UPLOAD_MAX_BYTES = 1 << 30


def measure(label: str, data: bytes, runs: int, *, dry_run: bool, context: dict) -> dict:
    """The portal's import (or dry run) of the file: the pipeline every door uses."""

    def run_once():
        return import_file(
            data,
            location=context["location"],
            user=context["user"],
            # Every real import has its Upload row (jobs.process_upload); a dry run has none.
            upload=None if dry_run else context["upload"],
            dry_run=dry_run,
        )

    return _measured(label, run_once, runs, clean=not dry_run, context=context, data=data)


def measure_peer(label: str, data: bytes, runs: int, *, dry_run: bool, context: dict) -> dict:
    """The same file through the tuned django-import-export peer (bench/peer.py)."""

    def run_once():
        failed = peer_import(data, context["location"], dry_run=dry_run)
        return PeerResult(rows=data.count(b"\n") - 1, failed=failed)

    return _measured(label, run_once, runs, clean=not dry_run, context=context, data=data)


@dataclass
class PeerResult:
    rows: int
    failed: int
    created: int = 0


def _measured(
    label: str, run_once: Callable, runs: int, *, clean: bool, context: dict, data: bytes
) -> dict:
    def prepare() -> None:
        """Not timed: the same starting state for every run."""
        if clean:
            clean_slate(context["keep"])
            _seed_existing(context)
        gc.collect()

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
    seed_loaded(context["location"], context["existing"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per figure (median)")
    parser.add_argument("--large-runs", type=int, default=3, help="timed runs for 50,000 rows")
    parser.add_argument("--skip-large", action="store_true", help="only the 5,000-row file")
    args = parser.parse_args()

    with throwaway_database("bench_engine"):
        user = bench_manager("NCA659999")
        location = user.managed_locations.get()
        upload = bench_upload(location, user, "bench.csv")
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
        print(f"Database: {sql.database()} (throwaway {connection.settings_dict['NAME']})")
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
            if rows > 5000:
                # What the import's parallel batch writers buy (bulkupload.writer.BatchWriter).
                writers, settings.IMPORT_WRITERS = settings.IMPORT_WRITERS, 1
                results.append(measure("  one writer", data, runs, dry_run=False, context=context))
                settings.IMPORT_WRITERS = writers
            if rows <= 5000:
                for dry_run, what in ((True, "dry run"), (False, "import")):
                    results.append(
                        measure_peer(f"  peer {what}", data, runs, dry_run=dry_run, context=context)
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
        _print_peer_ratios(results)
        if not args.skip_large:
            _print_import_rss(sizes, context, existing)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"Process peak resident memory (whole bench): {rss:.0f} MB")


def _print_import_rss(sizes: list[int], context: dict, existing: list) -> None:
    """Peak resident memory of one import per file size, each in a process of its own:
    flat means the import's memory does not grow with the file (it goes batch by batch)."""
    figures = []
    with tempfile.TemporaryDirectory() as folder:
        for rows in sizes:
            clean_slate(context["keep"])
            path = Path(folder) / f"bench-{rows}.csv"
            path.write_bytes(make_file(rows, seed=rows, existing=existing))
            out = subprocess.run(  # noqa: S603 - our own script, our own arguments
                [sys.executable, str(Path(__file__).with_name("import_rss.py")), str(path),
                 context["location"].pin, context["user"].email],
                env={**os.environ, "DATABASE_URL": database_url()},
                capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
            figures.append((rows, json.loads(out.strip().splitlines()[-1])))
    for rows, figure in figures:
        print(
            f"{rows:,}-row import in a process of its own: peak RSS {figure['peak_mb']:.0f} MB "
            f"({figure['peak_mb'] - figure['ready_mb']:.0f} MB above Django set up; "
            "target < 200 MB and flat)"
        )


def _print_peer_ratios(results: list[dict]) -> None:
    """The portal against the peer on the same 5,000-row file, from this run."""
    by_label = {r["label"].strip(): r["median"] for r in results}
    for what, target in (("import", 0.75), ("dry run", 0.2)):
        ours, peer = by_label.get(f"5,000 rows {what}"), by_label.get(f"peer {what}")
        if ours and peer:
            print(f"5,000-row {what}: {ours / peer:.2f}x the peer's (target <= {target}x)")


if __name__ == "__main__":
    main()
