"""High Volume: the file is stored with a job, a worker processes it, the page follows along."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.utils import timezone
from kombu.exceptions import OperationalError

from bulkupload import jobs, tasks
from bulkupload.models import Upload, UploadSummaryEmail
from cvms.celery import app as celery_app
from outbox.models import OutboundEmail
from recipients.models import Recipient
from tests.helpers import database_statements, nth_statement_fails, record_sent_tasks

HEADER = "FirstName,LastName,Date of birth,Email\r\n"


def _rows(count: int, start: int = 0, bad_every: int = 0) -> str:
    lines = []
    for n in range(start, start + count):
        email = "bademail" if bad_every and n % bad_every == 0 else f"p{n}@example.com"
        lines.append(f"Pat{n},Lee,{n % 12 + 1}/{n % 28 + 1}/1980,{email}\r\n")
    return "".join(lines)


def _upload(client, text: str, name: str = "staff.csv"):
    data = io.BytesIO(text.encode("utf-8"))
    data.name = name
    return client.post("/bulk-registration/high-volume/upload/", {"file": data})


def test_uploading_stores_the_job_and_queues_it_after_commit(
    alice_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = _upload(alice_client, HEADER + _rows(150))
    upload = Upload.objects.get()
    assert response.status_code == 302
    assert response.url == f"/bulk-registration/high-volume/?upload={upload.pk}"
    assert (upload.status, upload.rows, upload.source) == ("queued", 150, "high_volume")
    assert Recipient.objects.count() == 0  # the worker does that
    assert len(callbacks) == 1


def test_the_worker_creates_the_recipients_and_the_manager_is_emailed(
    alice_client, django_capture_on_commit_callbacks, eager_tasks
):
    with django_capture_on_commit_callbacks(execute=True):
        _upload(alice_client, HEADER + _rows(150, bad_every=50))
    upload = Upload.objects.get()
    assert (upload.status, upload.created_count, upload.failed_count) == ("done", 147, 3)
    assert Recipient.objects.filter(upload=upload).count() == 147
    summary = next(m for m in mail.outbox if m.to == ["alice@demo.example"])
    assert "Successful recipient uploads: 147" in summary.body
    assert summary.attachments[0][0] == "staff-failed-records.csv"
    assert OutboundEmail.objects.filter(kind="welcome", status="accepted").count() == 147


def test_all_created_tells_the_manager_the_number_created(
    alice_client, django_capture_on_commit_callbacks, eager_tasks
):
    with django_capture_on_commit_callbacks(execute=True):
        _upload(alice_client, HEADER + _rows(120))
    summary = next(m for m in mail.outbox if m.to == ["alice@demo.example"])
    assert "Successful recipient uploads: 120" in summary.body
    assert "was processed. All 120 recipients were created." in summary.body
    assert summary.attachments == []


def test_the_page_shows_progress_and_then_the_banner(
    alice_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        _upload(alice_client, HEADER + _rows(150))
    upload = Upload.objects.get()
    page = alice_client.get(f"/bulk-registration/high-volume/?upload={upload.pk}").content
    assert b'id="job-progress" max="100" value="0"' in page
    assert b'<meta http-equiv="refresh" content="3">' in page  # without JavaScript

    jobs.run_job(upload.pk)
    page = alice_client.get(f"/bulk-registration/high-volume/?upload={upload.pk}").content.decode()
    assert "Your file staff.csv was uploaded." in page
    assert 'value="100"' in page
    assert "refresh" not in page
    # The script shows the same banner, rendered by the server, when it sees the job end.
    status = alice_client.get(f"/bulk-registration/high-volume/{upload.pk}/status/").json()
    assert "Your file staff.csv was uploaded.</strong>" in status["banner_html"]
    assert '<span id="banner-created">150</span> successful' in status["banner_html"]
    assert 'class="banner success"' in status["banner_html"]
    assert status["outcome"] == "success"


def test_the_status_endpoint_reports_progress_and_time_left(alice_client, alice, demo_clinic):
    now = timezone.now()
    upload = Upload.objects.create(
        location=demo_clinic,
        uploaded_by=alice,
        source="high_volume",
        file_name="big.csv",
        content=b"x",
        content_sha256="0" * 64,
        status="running",
        rows=5000,
        processed=1000,
        created_count=990,
        failed_count=10,
        started_at=now - dt.timedelta(seconds=2),
        heartbeat_at=now,
    )
    status = alice_client.get(f"/bulk-registration/high-volume/{upload.pk}/status/").json()
    assert status["percent"] == 20
    assert (status["processed"], status["created"], status["failed"]) == (1000, 990, 10)
    assert status["eta_seconds"] == 8
    assert status["finished"] is False
    assert status["error_file_url"] == ""


def test_coming_back_to_the_tab_shows_the_job_in_progress(
    alice_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        _upload(alice_client, HEADER + _rows(150))
    assert b"Uploading staff.csv" in alice_client.get("/bulk-registration/high-volume/").content


def test_more_than_5000_rows_is_refused_at_once_and_nothing_kept(alice_client):
    response = _upload(alice_client, HEADER + _rows(5001))
    assert response.status_code == 400
    assert "at most 5,000 can be uploaded" in response.content.decode()
    assert "Do not create any files with more than 5,000 Recipient records" in (
        response.content.decode()
    )
    assert not Upload.objects.exists()


def test_another_manager_cannot_follow_the_job(alice_client, bob_client):
    _upload(alice_client, HEADER + _rows(120))
    upload = Upload.objects.get()
    assert bob_client.get(f"/bulk-registration/high-volume/{upload.pk}/status/").status_code == 404
    assert b"Uploading staff.csv" not in (
        bob_client.get(f"/bulk-registration/high-volume/?upload={upload.pk}").content
    )


def test_a_job_is_claimed_once(alice_client):
    _upload(alice_client, HEADER + _rows(120))
    upload = Upload.objects.get()
    first = Upload.claim(upload.pk, stale_after=jobs.STALE_JOB_AFTER)
    second = Upload.claim(upload.pk, stale_after=jobs.STALE_JOB_AFTER)
    assert first is not None and second is None


def test_a_job_redelivered_while_its_worker_still_runs_it_is_left_alone(alice_client):
    # Redis hands a task's message to another worker once it has gone unacknowledged for the
    # visibility timeout (cvms/settings.py), whether or not the first worker still runs it.
    _upload(alice_client, HEADER + _rows(120))
    upload = Upload.objects.get()
    assert Upload.claim(upload.pk, stale_after=jobs.STALE_JOB_AFTER) is not None  # running
    tasks.process_upload_job.apply(args=[upload.pk], throw=True)  # the message again
    upload.refresh_from_db()
    assert (upload.status, upload.attempts, upload.processed) == ("running", 1, 0)
    assert Recipient.objects.count() == 0


def test_a_job_whose_worker_died_is_resumed_without_doubles(alice_client):
    _upload(alice_client, HEADER + _rows(2500, bad_every=100))
    upload = Upload.objects.get()

    # The worker dies (not an exception the job could catch) after its first batch committed,
    # as it records that batch's progress (the first record is the rows counted, none written).
    def progress(sql: str) -> bool:
        return sql.startswith("UPDATE") and "bulkupload_upload" in sql and '"processed"' in sql

    killed = nth_statement_fails(progress, 2, SystemExit("killed"))
    with database_statements(refuse=killed), pytest.raises(SystemExit):
        tasks.process_upload_job.apply(args=[upload.pk], throw=True)
    upload.refresh_from_db()
    assert upload.status == "running"
    assert 0 < Recipient.objects.count() < 2475

    tasks.process_upload_job.apply(args=[upload.pk])  # heartbeat fresh: left alone
    assert Upload.objects.get().status == "running"
    Upload.objects.update(heartbeat_at=timezone.now() - dt.timedelta(minutes=5))
    tasks.process_upload_job.apply(args=[upload.pk])

    upload.refresh_from_db()
    assert (upload.status, upload.attempts) == ("done", 2)
    assert (upload.created_count, upload.failed_count) == (2475, 25)
    assert Recipient.objects.count() == 2475
    assert OutboundEmail.objects.filter(kind="welcome").count() == 2475
    error_file = bytes(upload.error_file).decode("utf-8-sig")
    assert "Duplicated" not in error_file  # its own people are not its duplicates


def test_the_sweep_dispatches_lost_jobs_and_fails_hopeless_ones(alice_client, sent_tasks):
    _upload(alice_client, HEADER + _rows(120))
    _upload(alice_client, HEADER + _rows(120, start=500), name="second.csv")
    lost, stuck = Upload.objects.order_by("id")
    long_ago = timezone.now() - dt.timedelta(minutes=10)
    Upload.objects.filter(pk=lost.pk).update(created_at=long_ago)
    Upload.objects.filter(pk=stuck.pk).update(
        status="running", heartbeat_at=long_ago, attempts=jobs.MAX_JOB_ATTEMPTS
    )
    tasks.sweep_upload_jobs.apply()
    assert (jobs.PROCESS_TASK, (lost.pk,)) in sent_tasks
    assert (jobs.PROCESS_TASK, (stuck.pk,)) not in sent_tasks
    stuck.refresh_from_db()
    assert stuck.status == "failed"
    assert "could not be resumed" in stuck.problem
    assert UploadSummaryEmail.objects.filter(upload=stuck, email__kind="upload_summary").exists()


def test_a_broker_that_is_down_does_not_lose_the_upload(
    alice_client, django_capture_on_commit_callbacks, monkeypatch
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis. Connection refused.")

    monkeypatch.setattr(celery_app, "send_task", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(alice_client, HEADER + _rows(120))
    assert response.status_code == 302  # acknowledged all the same
    upload = Upload.objects.get()
    assert upload.status == "queued"  # and the sweep dispatches it once the broker is back
    Upload.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    monkeypatch.undo()  # the broker is back
    sent = record_sent_tasks(monkeypatch)
    tasks.sweep_upload_jobs.apply()
    assert sent == [(jobs.PROCESS_TASK, (upload.pk,))]
