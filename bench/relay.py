"""The outbox through a real relay: one worker's rate beside what the relay itself takes.

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/relay.py [--runs N]

With Postfix installed (and run as root: its delivery agents change user), it starts a private
Postfix on 127.0.0.1 with STARTTLS (../shared/tools/private-postfix, or the script
PRIVATE_POSTFIX names), measures Postfix's own load generator, `smtp-source` (10 sessions,
messages of 4,300 bytes, the size of a welcome email), then a 5,000-row import's welcome
emails to @deliver.example through one Celery worker with EMAIL_URL=smtp+tls://...: emails
per second the relay accepted, first to last, and the last one's time after the import
started. Without Postfix: the same through the Python sink (devsupport/smtpsink.py, no TLS),
and no smtp-source figure. smtp-source runs again before each run (once Postfix has
delivered the previous one's emails), and the ratio is each run's against its own; medians of
--runs.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from devsupport import free_port, setup_django  # noqa: E402

setup_django()

import mailing  # noqa: E402 - bench/mailing.py
import sql  # noqa: E402 - bench/sql.py
from django.conf import settings  # noqa: E402
from django.db.models import Max, Min  # noqa: E402
from django.utils import timezone  # noqa: E402

from bulkupload.pipeline import import_file  # noqa: E402
from devsupport import throwaway  # noqa: E402
from devsupport.smtpsink import counting_smtp_server  # noqa: E402
from outbox import queue  # noqa: E402
from outbox.models import OutboundEmail  # noqa: E402

ROWS = 5000
WORKER_CONCURRENCY = 2  # deploy/'s default
ROOT = Path(__file__).resolve().parent.parent
TOOL = Path(os.environ.get("PRIVATE_POSTFIX", ROOT.parent / "shared/tools/private-postfix"))
DRAIN_TIMEOUT = 300


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with _relay() as (email_url, cafile, relay_rate), throwaway.throwaway_database("bench_relay"):
        mailing.workers_send_to(email_url, cafile)
        manager = throwaway.bench_manager("NCA659995")
        print(
            f"{sql.database()} + {mailing.broker()}, relay {email_url}, "
            f"one worker of {WORKER_CONCURRENCY} processes, "
            f"{settings.EMAIL_SENDER_CHAINS} sender chains"
        )
        # As deployed (deploy/systemd/cvms-worker.service, docker-compose.yml): one worker of
        # WORKER_CONCURRENCY pool processes, where EMAIL_SENDER_CHAINS sender chains run.
        with mailing.own_queue() as name:
            worker = throwaway.start_worker_process(name, concurrency=WORKER_CONCURRENCY)
            try:
                _run(manager, worker, rows=100, run="warm")
                runs, relay_rates = [], []
                for number in range(args.runs):
                    # smtp-source just before each run: what the relay takes moves with
                    # whatever else the machine does, so each run has its own yardstick.
                    relay_rates.append(relay_rate())
                    runs.append(_run(manager, worker, rows=ROWS, run=str(number)))
            finally:
                throwaway.stop_worker_process(worker)
    rate = statistics.median(per_second for per_second, _ in runs)
    last = statistics.median(after for _, after in runs)
    print(f"one worker: {rate:.0f} emails/s accepted by the relay, last {last:.1f} s after the")
    print(f"  5,000-row import started (median of {len(runs)})")
    if None not in relay_rates:
        ratios = [
            per_second / relay for (per_second, _), relay in zip(runs, relay_rates, strict=True)
        ]
        print(f"smtp-source into the same relay just before each run: "
              f"{', '.join(f'{relay:.0f}' for relay in relay_rates)}/s; the worker: "
              f"{', '.join(f'{ratio:.2f}' for ratio in ratios)}x, "
              f"median {statistics.median(ratios):.2f}x")  # fmt: skip


def _run(manager, worker: subprocess.Popen, *, rows: int, run: str) -> tuple[float, float]:
    upload = throwaway.bench_upload(manager.managed_locations.get(), manager, f"relay-{run}.csv")
    started = timezone.now()
    cpu_before = mailing.cpu_seconds([worker])
    result = import_file(
        mailing.plain_file(run, rows, last_name="Relay", domain="deliver.example"),
        location=upload.location,
        user=manager,
        upload=upload,
    )
    queue.send_emails_after_commit()  # autocommit here: sent at once
    emails = OutboundEmail.objects.filter(kind="welcome", user__recipient__upload=upload)
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while emails.filter(status__in=["queued", "sending"]).exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"not drained in {DRAIN_TIMEOUT} s")
        time.sleep(0.1)
    cpu_after = mailing.cpu_seconds([worker])
    span = emails.aggregate(first=Min("sent_at"), last=Max("sent_at"))
    seconds = (span["last"] - span["first"]).total_seconds() or 1e-9
    per_second = (result.created - 1) / seconds
    after = (span["last"] - started).total_seconds()
    if rows == ROWS:
        cpu = "?"  # without /proc
        if cpu_before is not None and cpu_after is not None:
            cpu = f"{(cpu_after - cpu_before) / result.created * 1000:.2f}"
        print(
            f"  run {run}: {per_second:.0f}/s, last {after:.1f} s after the start; "
            f"the worker's CPU {cpu} ms per email",
            flush=True,
        )
    return per_second, after


def _delivered(spool: Path) -> None:
    """Wait until Postfix has delivered what it accepted (its incoming and active queues are
    empty), at most DRAIN_TIMEOUT: smtp-source's rate counts delivery too."""
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while time.monotonic() < deadline and any(
        path.is_file() for queue in ("incoming", "active") for path in (spool / queue).rglob("*")
    ):
        time.sleep(0.2)


@contextlib.contextmanager
def _relay():
    """(EMAIL_URL, CA file, a function measuring smtp-source's rate, or giving None without
    Postfix): a private Postfix when there is one."""
    if not (shutil.which("postfix") and shutil.which("smtp-source") and TOOL.exists()):
        print("no Postfix (apt-get install postfix): the Python sink instead, no TLS")
        with counting_smtp_server() as (email_url, _):
            yield email_url, "", lambda: None
        return
    folder, port = tempfile.mkdtemp(prefix="cvms-bench-postfix-"), str(free_port("127.0.0.1"))
    started = subprocess.run(
        [sys.executable, str(TOOL), "start", "--dir", folder, "--port", port],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    values = dict(line.split("=", 1) for line in started.stdout.splitlines() if "=" in line)

    def measured() -> float:
        _delivered(Path(folder) / "spool")  # the last run's emails, still being delivered
        rate = subprocess.run(
            [sys.executable, str(TOOL), "rate", "--dir", folder, "--port", port],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        return float(rate.stdout.rsplit("=", 1)[1].strip().rstrip("/s"))

    try:
        yield values["EMAIL_URL"], values["SSL_CERT_FILE"], measured
    finally:
        subprocess.run([sys.executable, str(TOOL), "stop", "--dir", folder], check=False)


if __name__ == "__main__":
    main()
