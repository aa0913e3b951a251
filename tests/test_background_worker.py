"""The configured broker carries tasks to a real Celery worker.

On a bare machine that is kombu's filesystem transport; with REDIS_URL set (as in CI) it is
Redis. Each run uses its own queue, so a developer's running worker never takes the message.
"""

import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from kombu import Connection

from bulkupload.jobs import run_job, store_upload
from cvms.celery import app
from outbox.models import OutboundEmail
from tests.helpers import embedded_worker, wait_until

ROOT = Path(__file__).resolve().parent.parent


def test_the_celery_app_reads_its_broker_from_settings():
    assert app.main == "cvms"
    expected = settings.REDIS_URL or "filesystem://"
    assert app.conf.broker_url == expected
    assert app.conf.task_acks_late is True
    with app.connection_for_write() as connection:
        transport = type(connection.transport).__module__
    assert transport == ("kombu.transport.redis" if settings.REDIS_URL else "cvms.broker")


def test_a_real_worker_runs_a_task_sent_through_the_broker(worker_queue):
    ran = threading.Event()
    received: list[str] = []

    @app.task(name=f"tests.{worker_queue}", shared=False)
    def remember(value: str) -> None:
        received.append(value)
        ran.set()

    with embedded_worker(worker_queue):
        remember.apply_async(args=["hello"], queue=worker_queue)
        assert ran.wait(timeout=20), "the worker never ran the task"
    assert received == ["hello"]


@pytest.mark.redis("a cache shared by processes needs Redis")
def test_with_redis_every_process_shares_one_cache():
    # What one web worker counts (sign-in attempts, say), the others see.
    key = f"test-{uuid.uuid4().hex}"
    cache.set(key, "set by the test process", timeout=30)
    code = f"from django.core.cache import cache; print(cache.get({key!r}))"
    other = subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity=0", "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    cache.delete(key)
    assert other.stdout.strip() == "set by the test process"


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_welcome_emails_of_an_import(demo_clinic, alice, worker_queue):
    data = (
        b"FirstName,LastName,Date of birth,Email\r\n"
        b"Ann,Lee,1/2/1980,ann@example.com\r\nBo,Lee,3/4/1982,bo@example.com\r\n"
    )
    with embedded_worker(worker_queue):
        upload = store_upload(
            data, file_name="f.csv", location=demo_clinic, user=alice, source="command_line"
        )
        assert run_job(upload.pk).created == 2
        accepted = OutboundEmail.objects.filter(status="accepted")
        assert wait_until(lambda: accepted.count() == 2, 20)
    assert sorted(message.to[0] for message in mail.outbox) == ["ann@example.com", "bo@example.com"]


def test_the_embedded_broker_never_shows_a_worker_half_a_message(tmp_path):
    """kombu's own filesystem transport creates the file before writing it."""
    options = {
        "data_folder_in": str(tmp_path),
        "data_folder_out": str(tmp_path),
        "control_folder": str(tmp_path / "control"),
    }
    with Connection(
        "filesystem://", transport="cvms.broker:Transport", transport_options=options
    ) as c:
        queue = c.SimpleQueue("atomic")
        listing = []
        original = os.replace

        def replace(source, target):
            listing.append(sorted(p.name for p in tmp_path.iterdir()))  # just before it lands
            original(source, target)

        with mock.patch("os.replace", replace):  # the standard library, as the broker calls it
            queue.put({"n": 1})
        assert all(not name.endswith(".msg") for name in listing[0])  # not visible yet
        assert queue.get(timeout=1).payload == {"n": 1}
        queue.close()
