"""High Volume through real Celery workers: end to end, and a worker killed mid-file.

The end-to-end test runs a worker thread on the configured broker (filesystem, or Redis in
CI). The crash test needs a worker in a process of its own that it can kill -9, sharing the
test database: PostgreSQL and Redis only.
"""

import pytest
from django.utils import timezone

from bulkupload import jobs, tasks
from bulkupload.models import Upload
from devsupport.throwaway import start_worker_process, stop_worker_process
from outbox.models import OutboundEmail
from recipients.models import Recipient
from tests.helpers import embedded_worker, make_upload, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def _file(rows: int, bad_every: int = 100) -> bytes:
    lines = ["FirstName,LastName,Date of birth,Email"]
    for n in range(rows):
        email = "bademail" if n % bad_every == 0 else f"p{n}@example.com"
        lines.append(f"Pat{n},Lee,{n % 12 + 1}/{n % 28 + 1}/1980,{email}")
    return ("\r\n".join(lines) + "\r\n").encode()


def test_a_worker_processes_a_high_volume_upload_end_to_end(alice, demo_clinic, worker_queue):
    upload = make_upload(demo_clinic, alice, content=_file(1200), rows=1200, status="queued")
    with embedded_worker(worker_queue):
        tasks.process_upload_job.delay(upload.pk)
        assert wait_until(lambda: Upload.objects.get(pk=upload.pk).is_finished, 60)
    upload.refresh_from_db()
    assert (upload.status, upload.created_count, upload.failed_count) == ("done", 1188, 12)
    assert Recipient.objects.filter(upload=upload).count() == 1188


@pytest.mark.postgresql("a worker process sharing the test database needs PostgreSQL")
@pytest.mark.redis("a worker process needs a broker of its own: Redis")
def test_a_worker_killed_mid_file_is_taken_over_without_doubles(alice, demo_clinic, worker_queue):
    upload = make_upload(demo_clinic, alice, content=_file(5000), rows=5000, status="queued")
    first = start_worker_process(worker_queue)
    try:
        tasks.process_upload_job.delay(upload.pk)
        assert wait_until(lambda: Upload.objects.get(pk=upload.pk).processed > 0, 60, step=0.005)
        stop_worker_process(first, kill=True)  # mid-file: no chance to clean up or acknowledge
    finally:
        stop_worker_process(first, kill=True)
    upload.refresh_from_db()
    assert upload.status == "running", "the job finished before the worker could be killed"
    assert 0 < Recipient.objects.count() < 4950

    # Time passes; the periodic sweep finds the job's heartbeat stopped and hands it on.
    Upload.objects.filter(pk=upload.pk).update(
        heartbeat_at=timezone.now() - jobs.STALE_JOB_AFTER * 2
    )
    second = start_worker_process(worker_queue)
    try:
        tasks.sweep_upload_jobs.apply()
        assert wait_until(lambda: Upload.objects.get(pk=upload.pk).is_finished, 90)
    finally:
        stop_worker_process(second, kill=True)
    upload.refresh_from_db()
    assert (upload.status, upload.attempts) == ("done", 2)
    assert (upload.created_count, upload.failed_count) == (4950, 50)
    assert Recipient.objects.count() == 4950
    assert OutboundEmail.objects.filter(kind="welcome").count() == 4950
    assert "Duplicated" not in bytes(upload.error_file).decode("utf-8-sig")
