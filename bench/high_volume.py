"""High Volume end to end: a 5,000-row file from upload to job finished, with one worker.

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/high_volume.py

Builds a throwaway database next to the one DATABASE_URL names and starts one Celery worker
process on it (the configured broker: Redis, or the filesystem one, which polls once a
second). Times, median of --runs: the upload request until the job row says finished (the
worker's welcome emails go on afterwards, through the outbox), and the progress endpoint
while a job runs.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from devsupport import setup_django  # noqa: E402

setup_django()

import sql  # noqa: E402 - bench/sql.py
from django.test import Client  # noqa: E402

from bulkupload.models import Upload  # noqa: E402
from cvms.celery import app  # noqa: E402
from devsupport.throwaway import (  # noqa: E402
    bench_manager,
    start_worker_process,
    stop_worker_process,
    throwaway_database,
)


def make_file(run: int, rows: int = 5000) -> bytes:
    lines = ["FirstName,LastName,Date of birth,Email"]
    for n in range(rows):
        email = "bademail" if n % 16 == 0 else f"p{run}x{n}@example.com"
        lines.append(f"Pat{n},Lee{run},{n % 12 + 1}/{n % 28 + 1}/19{40 + n % 50},{email}")
    return ("\r\n".join(lines) + "\r\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    with throwaway_database("bench_high_volume"):
        queue = f"bench-{uuid.uuid4().hex}"
        app.conf.task_default_queue = queue
        worker = start_worker_process(queue)
        try:
            measure(args.runs)
        finally:
            stop_worker_process(worker)
            app.conf.task_default_queue = "celery"


def measure(runs: int) -> None:
    manager = bench_manager("NCA659997")
    client = Client()
    client.force_login(manager)

    finished, status_ms = [], []
    for run in range(runs + 1):  # the first run warms the worker up
        data = io.BytesIO(make_file(run))
        data.name = f"staff-{run}.csv"
        started = time.perf_counter()
        response = client.post("/bulk-registration/high-volume/upload/", {"file": data})
        assert response.status_code == 302, response.status_code
        upload = Upload.objects.latest("id")
        url = f"/bulk-registration/high-volume/{upload.pk}/status/"
        while True:
            asked = time.perf_counter()
            job = client.get(url).json()
            if run and job["status"] == "running":
                status_ms.append((time.perf_counter() - asked) * 1000)
            if job["finished"]:
                break
            time.sleep(0.01)
        if run:
            finished.append(time.perf_counter() - started)
        assert job["status"] == "done", job
    print(f"{sql.database()} + {app.conf.broker_url.split(':')[0]}, one worker:")
    print(
        f"  5,000-row file, upload to job finished: "
        f"{statistics.median(finished):.2f} s median of {runs} (target < 3 s)"
    )
    if status_ms:
        print(
            f"  progress endpoint while a job runs: {statistics.median(status_ms):.1f} ms "
            f"median of {len(status_ms)} (target < 20 ms)"
        )


if __name__ == "__main__":
    main()
