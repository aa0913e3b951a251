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
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cvms.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_databases, setup_test_environment, teardown_databases  # noqa: E402

from cvms.celery import app  # noqa: E402


def make_file(run: int, rows: int = 5000) -> bytes:
    lines = ["FirstName,LastName,Date of birth,Email"]
    for n in range(rows):
        email = "bademail" if n % 16 == 0 else f"p{run}x{n}@example.com"
        lines.append(f"Pat{n},Lee{run},{n % 12 + 1}/{n % 28 + 1}/19{40 + n % 50},{email}")
    return ("\r\n".join(lines) + "\r\n").encode()


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DEBUG = False
    test = connection.settings_dict.setdefault("TEST", {})
    test["NAME"] = f"bench_high_volume_{os.getpid()}"
    if connection.vendor == "sqlite":
        test["NAME"] = str(ROOT / "var" / f"{test['NAME']}.sqlite3")
    old = setup_databases(verbosity=0, interactive=False)
    queue = f"bench-{uuid.uuid4().hex}"
    app.conf.task_default_queue = queue
    env = {**os.environ, "DATABASE_URL": database_url(), "LOG_LEVEL": "WARNING"}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cvms",
            "worker",
            "-Q",
            queue,
            "--pool=solo",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=WARNING",
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        from bulkupload.models import Upload
        from providers.models import Location, LocationManager, Organization, User

        organization = Organization.objects.create(name="Bench Health")
        location = Location.objects.create(organization=organization, name="Bench", pin="NCA659997")
        manager = User.objects.create_user("bench@example.com", "bench-password")
        LocationManager.objects.create(user=manager, location=location)
        client = Client()
        client.force_login(manager)

        finished, status_ms = [], []
        for run in range(args.runs + 1):  # the first run warms the worker up
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
        print(f"{connection.vendor} + {app.conf.broker_url.split(':')[0]}, one worker:")
        print(
            f"  5,000-row file, upload to job finished: "
            f"{statistics.median(finished):.2f} s median of {args.runs} (target < 3 s)"
        )
        if status_ms:
            print(
                f"  progress endpoint while a job runs: {statistics.median(status_ms):.1f} ms "
                f"median of {len(status_ms)} (target < 20 ms)"
            )
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
        app.conf.task_default_queue = "celery"
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
