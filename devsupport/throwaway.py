"""Throwaway databases and Celery worker processes, for the benches and the tests.

A bench builds its own database next to the one DATABASE_URL names (Django's test-database
machinery, as the test runner does) and drops it at the end, so it never touches real data. A
worker process started here runs on the database and broker this process uses.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test.utils import (
    setup_databases,
    setup_test_environment,
    teardown_databases,
    teardown_test_environment,
)

from bulkupload.models import Upload
from cvms.celery import app as celery_app
from portal.healthcards import signing_key
from providers.models import Location, LocationManager, Organization, User
from recipients.sql import on_postgresql

from . import ROOT


@contextlib.contextmanager
def throwaway_database(label: str) -> Iterator[None]:
    """A fresh, migrated database for `label` (a bench), dropped on the way out.

    On PostgreSQL a name of its own (a test run or another bench may be using the default test
    name); on SQLite a file on disk, like the portal's, not Django's in-memory test database.
    DEBUG is off, as in production: with it on, Django keeps every statement with its
    parameters in memory, which is not what anything costs.
    """
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DEBUG = False
    test = connection.settings_dict.setdefault("TEST", {})
    with tempfile.TemporaryDirectory() as folder:
        if not on_postgresql():
            test["NAME"] = str(Path(folder) / f"{label}.sqlite3")
        else:
            test["NAME"] = f"{label}_{os.getpid()}"
        old = setup_databases(verbosity=0, interactive=False)
        try:
            yield
        finally:
            teardown_databases(old, verbosity=0)
            teardown_test_environment()


def health_card_key_file() -> str:
    """A SMART Health Card signing key for processes a bench starts with DEBUG off (which
    refuse to start without one): this checkout's development key, made if missing."""
    signing_key()
    return settings.SHC_PRIVATE_KEY_FILE


def send_no_tasks() -> None:
    """From now on this process sends no task to the broker: the work stays recorded."""
    celery_app.send_task = lambda *args, **kwargs: None


def bench_manager(pin: str, email: str = "bench@example.com") -> User:
    """A Healthcare Location Manager of a location of its own, for a bench to sign in as."""
    organization, _ = Organization.objects.get_or_create(name="Bench Health")
    location = Location.objects.create(organization=organization, name=f"Bench {pin}", pin=pin)
    manager = User.objects.create_user(email, None)
    LocationManager.objects.create(user=manager, location=location)
    return manager


def bench_upload(location: Location, manager: User, file_name: str) -> Upload:
    """The Upload row a job runs an import through (claimed, running), for a bench to import
    with as every real import does; its file is the bench's own, so none is stored."""
    return Upload.objects.create(
        location=location,
        uploaded_by=manager,
        source=Upload.Source.HIGH_VOLUME,
        file_name=file_name,
        content=b"",
        content_sha256="",
        status=Upload.Status.RUNNING,
        attempts=1,
        # No welcome_at (Upload.start was not run): its welcome emails are due at once, as the
        # benches of sending measure them, whatever UNDO_WINDOW_MINUTES says.
    )


def database_url() -> str:
    """The URL of the database this process uses now (a test's or a bench's throwaway one)."""

    s = connection.settings_dict
    if not on_postgresql():
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def start_worker_process(queue: str, *, concurrency: int = 0) -> subprocess.Popen:
    """A Celery worker in a process of its own (in a session of its own, so it can be killed
    as a whole), taking tasks from `queue` on this process's database and broker, and sending
    the tasks it sends there too. One task at a time in that process, or, with `concurrency`,
    as deployed: that many pool processes (prefork)."""
    env = {**os.environ, "DATABASE_URL": database_url(), "LOG_LEVEL": "WARNING"}
    env["REDIS_URL"] = settings.REDIS_URL or ""
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cvms",
            "worker",
            "-Q",
            queue,
            *(
                [f"--concurrency={concurrency}"]  # prefork, as deploy/ runs it
                if concurrency
                else ["--pool=solo", "--concurrency=1"]  # one task at a time, none reserved
            ),
            "--without-mingle",
            "--without-gossip",
            "--loglevel=WARNING",
            "--",  # configuration: the tasks it sends (an email task's next) go to its queue
            f"task.default_queue={queue}",
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_worker_process(worker: subprocess.Popen, *, kill: bool = False) -> None:
    """SIGTERM lets it finish its task; kill=True is kill -9, mid-task, as a crash would."""
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL if kill else signal.SIGTERM)
    worker.wait(timeout=30)
