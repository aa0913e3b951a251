"""The outbox: a 5,000-row import's welcome emails through real workers to a local SMTP server.

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/outbox.py [--runs N]

Builds a throwaway database next to the one DATABASE_URL names, runs an SMTP server in this
process (devsupport/smtpsink.py: it counts messages per address, keeps no body) and starts
Celery worker processes on the configured broker with EMAIL_URL pointing at it. Medians of
--runs:
- one worker: a 5,000-row import (bulkupload.pipeline.import_file with its Upload row), then
  sending started as the job starts it (queue.send_emails_after_commit): emails per second
  from the first delivery to the last, and the time from the import's start to the last;
- two workers, one outbox of 5,000 welcome emails, sending started twice (two uploads ending
  together; the sweep does the same): every address must receive exactly one email, and the
  combined rate;
- one worker told to stop (SIGTERM, as a deploy does) at a random moment of sending 5,000
  emails: the seconds until it is gone, then a second worker sends the rest (with the sweep
  beat would run), and every address must again receive exactly one email.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from devsupport import setup_django  # noqa: E402

setup_django()

import sql  # noqa: E402 - bench/sql.py
from django.conf import settings  # noqa: E402
from mailing import (  # noqa: E402 - bench/mailing.py
    broker,
    cpu_seconds,
    own_queue,
    plain_file,
    workers_send_to,
)

from bulkupload.models import Upload  # noqa: E402
from bulkupload.pipeline import import_file  # noqa: E402
from devsupport.recipientfiles import make_file  # noqa: E402
from devsupport.smtpsink import Deliveries, counting_smtp_server  # noqa: E402
from devsupport.throwaway import (  # noqa: E402
    bench_manager,
    bench_upload,
    start_worker_process,
    stop_worker_process,
    throwaway_database,
)
from outbox import queue, tasks  # noqa: E402
from outbox.models import OutboundEmail  # noqa: E402
from providers.models import User  # noqa: E402

ROWS = 5000
DRAIN_TIMEOUT = 300  # seconds: far past any sane drain; the bench says what it got by then
# A file may hold a blank row or two more than its people (devsupport/recipientfiles.py).
settings.HIGH_VOLUME_MAX_ROWS = 10**6


@dataclass
class Drain:
    emails: int
    per_second: float  # first delivery to last
    from_start: float  # seconds, from the import's start (or the trigger) to the last delivery
    duplicates: int
    missing: int
    most_open_sessions: int
    worker_cpu_ms: float | None  # per email, all the workers' CPU while they drained
    server_cpu_ms: float  # per email, this process's (the SMTP server's) CPU meanwhile


@dataclass
class Stop:
    asked_after: float  # seconds from the first delivery to SIGTERM
    stopped_in: float  # seconds from SIGTERM to the worker's exit
    sent_after: int  # emails the next worker sent
    duplicates: int
    missing: int


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    with counting_smtp_server() as (email_url, deliveries), throwaway_database("bench_outbox"):
        workers_send_to(email_url)
        manager = bench_manager("NCA659996")
        print(f"{sql.database()} + {broker()}, SMTP at {email_url}:")
        with own_queue() as name:
            one = run_with_workers(1, manager, deliveries, name, args.runs)
            two = run_with_workers(2, manager, deliveries, name, args.runs)
            stops = []
            for run in range(args.runs):
                stops.append(stop_mid_mailing(manager, deliveries, name, run))
                print(f"  told to stop, run {run + 1}: {describe_stop(stops[-1])}", flush=True)
    report(one, two, stops)


def run_with_workers(
    count: int, manager: User, deliveries: Deliveries, queue_name: str, runs: int
) -> list[Drain]:
    workers = [start_worker_process(queue_name) for _ in range(count)]
    try:
        drain(manager, deliveries, workers, rows=100, run=f"warm{count}")  # not counted
        drains = []
        for run in range(runs):
            drains.append(drain(manager, deliveries, workers, rows=ROWS, run=f"{count}-{run}"))
            print(f"  {count} worker(s), run {run + 1}: {describe(drains[-1])}", flush=True)
        return drains
    finally:
        for worker in workers:
            stop_worker_process(worker)


def drain(
    manager: User, deliveries: Deliveries, workers: list[subprocess.Popen], *, rows: int, run: str
) -> Drain:
    """One import's welcome emails sent. With one worker sending starts when the import ends,
    as in a job; with more, the outbox is filled first and sending started once per worker,
    so that they drain it side by side."""
    upload = bench_upload(manager.managed_locations.get(), manager, f"outbox-{run}.csv")
    # The realistic file for one worker (bad rows, families sharing an address); for two, one
    # email per row to addresses nobody else has, so that an email sent twice shows.
    alone = len(workers) == 1
    seed = zlib.crc32(run.encode())
    data = (
        make_file(rows, seed=seed, existing=[])
        if alone
        else plain_file(run, rows, last_name="Lee", domain="example.com")
    )
    deliveries.reset()
    started = time.perf_counter()
    result = import_file(data, location=upload.location, user=manager, upload=upload)
    if not alone:
        started = time.perf_counter()
    worker_cpu, server_cpu = cpu_seconds(workers), time.process_time()
    for _ in workers:
        queue.send_emails_after_commit()  # autocommit here: sent at once
    expected = _expected_addresses(upload)
    assert expected.total() == result.created, (expected.total(), result.created)
    _wait_for_outbox(deliveries, result.created)
    if worker_cpu is not None:
        worker_cpu = cpu_seconds(workers) - worker_cpu
    server_cpu = time.process_time() - server_cpu
    received = deliveries.counts()
    return Drain(
        emails=deliveries.total,
        per_second=(deliveries.total - 1) / (deliveries.last_at - deliveries.first_at),
        from_start=deliveries.last_at - started,
        duplicates=(received - expected).total(),
        missing=(expected - received).total(),
        most_open_sessions=deliveries.most_open_sessions,
        worker_cpu_ms=worker_cpu * 1000 / deliveries.total if worker_cpu is not None else None,
        server_cpu_ms=server_cpu * 1000 / deliveries.total,
    )


def stop_mid_mailing(manager: User, deliveries: Deliveries, queue_name: str, run: int) -> Stop:
    """A worker sending 5,000 emails told to stop at a random moment; the next one sends the
    rest."""
    upload = bench_upload(manager.managed_locations.get(), manager, f"outbox-stop-{run}.csv")
    result = import_file(
        plain_file(f"stop{run}", ROWS, last_name="Lee", domain="example.com"),
        location=upload.location,
        user=manager,
        upload=upload,
    )
    expected = _expected_addresses(upload)
    deliveries.reset()
    first = start_worker_process(queue_name)
    try:
        queue.send_emails_after_commit()
        while not deliveries.total:
            time.sleep(0.01)
        asked_after = random.Random(run).uniform(1, 9)  # somewhere in its first two slices
        time.sleep(asked_after)
        asked = time.perf_counter()
        stop_worker_process(first)
        stopped_in = time.perf_counter() - asked
    finally:
        stop_worker_process(first, kill=True)
    sent_before = deliveries.total
    second = start_worker_process(queue_name)
    try:
        # Beat's sweep, sent within a minute: Celery may take the handed-on task from Redis
        # as it stops and keep it for the visibility timeout (celery/celery issue 7950).
        tasks.sweep_outbox.delay()
        _wait_for_outbox(deliveries, result.created)
    finally:
        stop_worker_process(second)
    received = deliveries.counts()
    return Stop(
        asked_after=asked_after,
        stopped_in=stopped_in,
        sent_after=deliveries.total - sent_before,
        duplicates=(received - expected).total(),
        missing=(expected - received).total(),
    )


def _expected_addresses(upload: Upload) -> Counter[str]:
    """The welcome emails this import queued, by address."""
    emails = OutboundEmail.objects.filter(
        kind=OutboundEmail.Kind.WELCOME, user__recipient__upload=upload
    ).values_list("user__email", flat=True)
    return Counter(email.lower() for email in emails)


def _wait_for_outbox(deliveries: Deliveries, expected: int) -> None:
    """Until every email is delivered and none is left to send (a second copy would show)."""
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while time.monotonic() < deadline:
        if deliveries.total >= expected and not _unsent():
            return
        time.sleep(0.05)
    raise SystemExit(
        f"the outbox did not drain in {DRAIN_TIMEOUT} s: {deliveries.total} of {expected} "
        f"delivered, {_unsent()} left queued or sending"
    )


def _unsent() -> int:
    return OutboundEmail.objects.filter(
        status__in=[OutboundEmail.Status.QUEUED, OutboundEmail.Status.SENDING]
    ).count()


def describe(d: Drain) -> str:
    cpu = f"{d.worker_cpu_ms:.2f}" if d.worker_cpu_ms is not None else "?"
    return (
        f"{d.emails:,} emails, {d.per_second:.0f}/s, last {d.from_start:.1f} s after the start, "
        f"duplicates {d.duplicates}, missing {d.missing}, SMTP sessions open at once "
        f"<= {d.most_open_sessions}; CPU per email: workers {cpu} ms, "
        f"SMTP server {d.server_cpu_ms:.2f} ms"
    )


def describe_stop(s: Stop) -> str:
    return (
        f"SIGTERM {s.asked_after:.1f} s into the mailing, gone {s.stopped_in:.1f} s later; the "
        f"next worker sent {s.sent_after:,}; duplicates {s.duplicates}, missing {s.missing}"
    )


def report(one: list[Drain], two: list[Drain], stops: list[Stop]) -> None:
    rate = statistics.median(d.per_second for d in one)
    print(
        f"one worker, 5,000-row import: {rate:.0f} emails/s first to last delivery, last "
        f"delivery {statistics.median(d.from_start for d in one):.1f} s after the import "
        f"started ({statistics.median(d.emails for d in one):,.0f} emails), median of {len(one)}"
    )
    print(
        f"two workers, one outbox of 5,000: "
        f"{statistics.median(d.per_second for d in two):.0f} emails/s combined, drained "
        f"{statistics.median(d.from_start for d in two):.1f} s after sending started; "
        f"duplicates {sum(d.duplicates for d in two)}, missing {sum(d.missing for d in two)} "
        f"over {len(two)} runs (both must be 0)"
    )
    cpu = [d.worker_cpu_ms for d in one if d.worker_cpu_ms is not None]
    if cpu:
        print(
            f"one worker's CPU per email: {statistics.median(cpu):.2f} ms (a ceiling of "
            f"{1000 / statistics.median(cpu):.0f}/s with a core to itself), median of {len(cpu)}"
        )
    stopped = [s.stopped_in for s in stops]
    print(
        f"a worker told to stop mid-mailing was gone in {statistics.median(stopped):.1f} s "
        f"(median), {max(stopped):.1f} s at most (target < 10); the next worker sent the "
        f"rest, duplicates {sum(s.duplicates for s in stops)}, missing "
        f"{sum(s.missing for s in stops)} over {len(stops)} runs (both must be 0)"
    )
    print(f"welcome emails per second per worker: {rate:.0f} (target >= 200)")


if __name__ == "__main__":
    main()
