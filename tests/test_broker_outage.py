"""A worker rides out a Redis outage while it holds a job: real processes throughout.

A Redis server of the test's own (persisting, as production's does), a Celery worker process on
it (prefork, as deployed) sharing the test database, and a real SMTP server that counts what it
is sent. The worker holds a High Volume job's message, unacknowledged (devsupport/jobgate.py),
when Redis is stopped for 10 s; then Redis starts again. The same worker process must still be
running, finish the job, and deliver each welcome email once. With celery 5.7.0 the worker exits
at the outage ("Unrecoverable error: AttributeError(... 'hostname')": README, "Dependencies").

PostgreSQL only: a worker process shares the test database.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from bulkupload.models import Upload
from cvms.celery import app
from devsupport import free_port
from devsupport.smtpsink import counting_smtp_server
from devsupport.throwaway import database_url
from outbox.models import OutboundEmail
from recipients.models import Recipient
from tests.helpers import make_upload, person, recipient_csv, wait_until

ROOT = Path(__file__).resolve().parent.parent
REDIS_SERVER = shutil.which("redis-server")
OUTAGE_SECONDS = 10
ROWS = 150

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgresql("a worker process sharing the test database needs PostgreSQL"),
    pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server"),
]


class RedisServer:
    """A redis-server of the test's own on a free loopback port, appending every write to disk
    as docker-compose's does, so a message survives the server's restart."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir()
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(self.port), "--dir",
             str(self.folder), "--appendonly", "yes", "--appendfsync", "always", "--save", ""],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        assert wait_until(self._answers, 10), "redis-server did not start"

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: redis flushes its append-only file and exits
            self.process.wait(timeout=10)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                probe.sendall(b"PING\r\n")
                return probe.recv(16).startswith(b"+PONG")
        except OSError:
            return False


def _file(rows: int) -> bytes:
    people = (
        person(f"Pat{n}", "Lee", f"{n % 12 + 1}/{n % 28 + 1}/1980", f"p{n}@example.com")
        for n in range(rows)
    )
    return recipient_csv(*people)


def _start_worker(redis: RedisServer, email_url: str, gate: Path, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis.url,
        "EMAIL_URL": email_url,
        "JOB_GATE": str(gate),
        "LOG_LEVEL": "WARNING",
        "UNDO_WINDOW_MINUTES": "0",  # the welcome emails go as the job ends
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    with log.open("wb") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "cvms", "worker", "--include",
             "devsupport.jobgate", "--concurrency=2", "--without-mingle", "--without-gossip",
             "--loglevel=INFO"],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=output,
            stderr=subprocess.STDOUT,
        )  # fmt: skip


def _send_job(redis: RedisServer, upload_id: int) -> None:
    with app.connection_for_write(redis.url) as broker:
        app.send_task(
            "bulkupload.tasks.process_upload_job",
            args=[upload_id],
            connection=broker,
            queue="celery",
        )


def test_a_worker_holding_a_job_rides_out_a_redis_outage(alice, demo_clinic, tmp_path):
    redis = RedisServer(tmp_path / "redis")
    gate = tmp_path / "gate"
    held = tmp_path / "gate.held"
    log = tmp_path / "worker.log"
    upload = make_upload(demo_clinic, alice, content=_file(ROWS), rows=ROWS, status="queued")
    redis.start()
    with counting_smtp_server() as (email_url, deliveries):
        worker = _start_worker(redis, email_url, gate, log)
        try:
            _send_job(redis, upload.pk)
            assert wait_until(held.exists, 60), f"the worker never took the job:\n{log.read_text()}"

            redis.stop()  # while the worker holds the job's message, unacknowledged
            time.sleep(OUTAGE_SECONDS)
            redis.start()
            gate.touch()

            def settled() -> bool:  # the job done and its emails sent, or the worker gone
                if worker.poll() is not None:
                    return True
                job = Upload.objects.get(pk=upload.pk)
                return (
                    job.is_finished
                    and not OutboundEmail.objects.exclude(status="accepted").exists()
                )

            assert wait_until(settled, 120), (
                f"the job or its emails never finished:\n{log.read_text()}"
            )
            assert worker.poll() is None, f"the worker exited:\n{log.read_text()}"
        finally:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)  # warm: it finishes what it holds
            worker.wait(timeout=60)
            redis.stop()
        received = deliveries.counts()

    upload.refresh_from_db()
    assert (upload.status, upload.created_count, upload.attempts) == ("done", ROWS, 1)
    assert Recipient.objects.filter(upload=upload).count() == ROWS
    expected = Counter(OutboundEmail.objects.values_list("user__email", flat=True).iterator())
    assert OutboundEmail.objects.filter(kind="welcome").count() == ROWS
    assert received == expected, "an email went out twice, or never"
    assert "Unrecoverable error" not in log.read_text()
