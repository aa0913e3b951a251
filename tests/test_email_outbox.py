"""Emails go through the outbox: sent in batches, retried with backoff, never sent twice."""

import contextlib
import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import IntegrityError, transaction
from django.utils import timezone

from bulkupload.jobs import queue_summary, run_job, store_upload
from bulkupload.models import Upload, UploadSummaryEmail
from outbox import sending
from outbox.models import OutboundEmail
from outbox.tasks import send_emails, sweep_outbox
from providers.models import User
from tests.helpers import make_upload

FILE = (
    b"FirstName,LastName,Date of birth,Email\r\n"
    b"Nicholas,TestLoadE2Recip1,12/1/1955,Nicholas.NoEmail@companyemail1.com\r\n"
    b"Zo\xc3\xab,O'Brien,1/2/1990,zoe@example.com\r\n"
    b"Bad,Row,13/45/1990,bad@example.com\r\n"
)


@pytest.fixture
def imported(demo_clinic, alice, django_capture_on_commit_callbacks):
    """The file imported as a job; the callbacks it left to run once it commits."""
    upload = store_upload(
        FILE, file_name="f.csv", location=demo_clinic, user=alice, source="command_line"
    )
    with django_capture_on_commit_callbacks() as callbacks:
        assert run_job(upload.pk).created == 2
    return callbacks


def _by_address() -> dict[str, mail.EmailMessage]:
    return {message.to[0]: message for message in mail.outbox}


def _queue_messages(count: int) -> None:
    """`count` help-desk messages queued, each to an account of its own."""
    users = User.objects.bulk_create(
        User(username=f"m{n}@example.com", email=f"m{n}@example.com") for n in range(count)
    )
    OutboundEmail.objects.bulk_create(
        OutboundEmail(kind="message", user=user, subject="Hello", body="Hi.") for user in users
    )


def _statuses() -> dict[tuple[str, int], int]:
    """How many emails are in each (status, attempts)."""
    rows = OutboundEmail.objects.values_list("status", "attempts")
    return {key: list(rows).count(key) for key in set(rows)}


@contextlib.contextmanager
def _relay_taking(seconds: float, after_each=lambda: None):
    """A mail server that takes `seconds` to accept each email, on a clock that moves only
    then; `after_each()` runs when it has (before the email is marked)."""
    send_messages = EmailBackend.send_messages
    with time_machine.travel(timezone.now(), tick=False) as clock:

        def slowly(backend, messages):
            clock.shift(dt.timedelta(seconds=seconds))
            after_each()
            return send_messages(backend, messages)

        with mock.patch.object(EmailBackend, "send_messages", slowly):
            yield


def test_an_import_queues_one_welcome_email_per_created_recipient(imported, sent_tasks):
    assert OutboundEmail.objects.filter(status="queued").count() == 2
    assert mail.outbox == []  # recorded, not sent inside the import
    for callback in imported:
        callback()
    assert sent_tasks == [("outbox.tasks.send_emails", ())]


def test_sending_after_commit_delivers_the_guides_welcome_email(
    imported, settings, client, eager_tasks
):
    for callback in imported:
        callback()
    messages = _by_address()
    assert set(messages) == {"Nicholas.NoEmail@companyemail1.com", "zoe@example.com"}
    welcome = messages["zoe@example.com"]
    assert welcome.subject == "Welcome to the North Carolina COVID-19 Vaccine Portal"
    assert welcome.from_email == settings.DEFAULT_FROM_EMAIL
    assert "Dear Recipient O'Brien," in welcome.body
    assert "Username: zoe@example.com.covid19vaccine" in welcome.body
    html = welcome.alternatives[0][0]
    assert "Dear Recipient O&#x27;Brien," in html
    link = next(line for line in welcome.body.splitlines() if "/portal/setup/" in line)
    assert link.startswith("https://portal.example/portal/setup/")
    page = client.get(link.removeprefix("https://portal.example"), follow=True)
    assert b"zoe@example.com.covid19vaccine" in page.content
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {"accepted"}


def test_a_second_run_sends_nothing_again(imported):
    assert sending.send_due_emails() == 2
    assert sending.send_due_emails() == 0
    send_emails.apply()
    assert len(mail.outbox) == 2


def test_a_slice_sends_over_a_few_sessions_kept_open_across_batches(db, monkeypatch, settings):
    settings.EMAIL_SESSIONS = 3
    _queue_messages(250)  # three batches
    used = []
    original = EmailBackend.send_messages
    monkeypatch.setattr(
        EmailBackend,
        "send_messages",
        lambda self, messages: used.append(id(self)) or original(self, messages),
    )
    assert sending.send_slice() is False  # all sent
    assert len(mail.outbox) == 250
    assert len(set(used)) <= 3  # connections, not one per email or per batch


def test_a_failure_is_retried_later_with_backoff(imported):
    with mock.patch.object(EmailBackend, "send_messages", side_effect=OSError("timed out")):
        sending.send_due_emails()
    failed = OutboundEmail.objects.get(user__username="zoe@example.com.covid19vaccine")
    assert failed.status == "queued"
    assert failed.attempts == 1
    assert "OSError: timed out" in failed.last_error
    assert failed.next_attempt_at > timezone.now() + dt.timedelta(seconds=50)
    assert sending.send_due_emails() == 0  # not due yet

    OutboundEmail.objects.update(next_attempt_at=timezone.now())
    assert sending.send_due_emails() == 2
    assert len(mail.outbox) == 2
    assert OutboundEmail.objects.filter(status="accepted").count() == 2


def test_it_gives_up_after_the_last_attempt_and_says_so(imported):
    OutboundEmail.objects.update(attempts=sending.MAX_ATTEMPTS - 1)
    with mock.patch.object(EmailBackend, "send_messages", side_effect=OSError("550 no")):
        sending.send_due_emails()
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {"failed"}
    assert mail.outbox == []


def test_an_unreachable_mail_server_leaves_every_email_queued(imported):
    with mock.patch.object(EmailBackend, "open", side_effect=ConnectionRefusedError()):
        assert sending.send_due_emails() == 2
    assert set(OutboundEmail.objects.values_list("status", "attempts")) == {("queued", 1)}


def test_the_sweep_recovers_emails_of_a_dead_worker(imported, sent_tasks):
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    OutboundEmail.objects.update(status="sending", last_attempt_at=an_hour_ago)
    assert sending.send_due_emails() == 0  # claimed by someone: left alone
    sweep_outbox.apply()
    assert sent_tasks == [(send_emails.name, ())]
    assert OutboundEmail.objects.filter(status="queued").count() == 2
    assert sending.send_due_emails() == 2


def test_a_recently_claimed_email_is_not_swept(imported):
    OutboundEmail.objects.update(status="sending", last_attempt_at=timezone.now())
    assert sending.requeue_stale() == 0


def test_the_sweep_requeues_emails_claimed_over_ninety_seconds_ago_and_not_younger_ones(imported):
    now = timezone.now()
    older, younger = OutboundEmail.objects.order_by("pk")
    claimed = {older.pk: dt.timedelta(seconds=91), younger.pk: dt.timedelta(seconds=89)}
    for pk, ago in claimed.items():
        OutboundEmail.objects.filter(pk=pk).update(status="sending", last_attempt_at=now - ago)
    assert sending.requeue_stale(now) == 1
    older.refresh_from_db()
    younger.refresh_from_db()
    assert (older.status, older.next_attempt_at) == ("queued", now)
    assert younger.status == "sending"


def test_a_sending_task_stops_after_its_slice_and_queues_the_next(db, sent_tasks, settings):
    settings.EMAIL_SESSIONS = 1  # one at a time, so that the relay's clock counts them
    _queue_messages(150)
    with _relay_taking(0.1):  # 50 emails in the slice of 5 seconds
        send_emails.apply()
    assert len(mail.outbox) == 50
    # The rest of the first batch was claimed, and is queued again as it was.
    assert _statuses() == {("accepted", 1): 50, ("queued", 0): 100}
    # More than a batch was due as it started: the helper chains were woken then too.
    assert sent_tasks == _helpers() + _next_slice_and_helpers()

    assert sending.send_due_emails(limit=150) == 100  # due at once, and sent once
    assert len({message.to[0] for message in mail.outbox}) == len(mail.outbox) == 150


def test_a_sending_task_that_empties_the_outbox_queues_no_other(imported, sent_tasks):
    send_emails.apply()
    assert len(mail.outbox) == 2
    assert sent_tasks == []


def test_a_sender_on_a_slow_mail_server_lets_go_of_its_emails_before_the_sweep_takes_them(
    db, settings, sent_tasks
):
    settings.EMAIL_SESSIONS = 1  # the sweep below runs in the sender's thread
    _queue_messages(100)
    swept = []
    # Each of an email's four SMTP answers (MAIL, RCPT, DATA, the message) as late as the
    # backend waits for one.
    with _relay_taking(4 * settings.EMAIL_TIMEOUT, lambda: swept.append(sending.requeue_stale())):
        send_emails.apply()
    assert swept == [0]  # the sweep never took a claimed email from under the sender
    assert _statuses() == {("accepted", 1): 1, ("queued", 0): 99}
    assert sent_tasks == _next_slice_and_helpers()


def _next_slice_and_helpers() -> list[tuple[str, tuple]]:
    """What a first sender's slice that left emails sends: its next slice, and a wake-up for
    each helper chain (on PostgreSQL)."""
    return [("outbox.tasks.send_emails", ()), *_helpers()]


def _helpers() -> list[tuple[str, tuple]]:
    """A wake-up for each helper chain (on PostgreSQL; none on SQLite)."""
    return [("outbox.tasks.send_emails", (n,)) for n in sending.helper_chains()]


def test_the_upload_summary_attaches_the_failed_records(demo_clinic, alice):
    upload = make_upload(
        demo_clinic,
        alice,
        file_name="march.csv",
        content=FILE,
        status=Upload.Status.DONE,
        rows=3,
        created_count=2,
        failed_count=1,
        error_file=b"\xef\xbb\xbfFirstName,LastName,Date of birth,Email,Error\r\n...",
    )
    queue_summary(upload)
    sending.send_due_emails()
    (message,) = mail.outbox
    assert message.to == ["alice@demo.example"]
    assert (
        message.subject
        == "Recipient Bulk Upload: 1 of 3 recipients could not be created (march.csv)"
    )
    assert "Successful recipient uploads: 2" in message.body
    assert "Failed recipient uploads: 1" in message.body
    (name, content, mimetype) = message.attachments[0]
    assert name == "march-failed-records.csv"
    assert mimetype == "text/csv"
    assert content.startswith("\ufeffFirstName,LastName,Date of birth,Email,Error")  # BOM kept


def test_failed_records_past_the_size_limit_are_linked_not_attached(demo_clinic, alice, settings):
    settings.SUMMARY_ATTACHMENT_MAX_BYTES = 1000
    upload = make_upload(
        demo_clinic,
        alice,
        status=Upload.Status.DONE,
        rows=3000,
        created_count=0,
        failed_count=3000,
        error_file=b"FirstName,LastName,Date of birth,Email,Error\r\n" + b"x" * 2000,
    )
    queue_summary(upload)
    sending.send_due_emails()
    (message,) = mail.outbox
    assert message.attachments == []
    assert "too large to attach" in message.body
    assert f"https://portal.example/reports/{upload.pk}/failed-records.csv" in message.body


def test_a_second_summary_for_the_same_upload_is_refused(demo_clinic, alice):
    upload = make_upload(demo_clinic, alice, source=Upload.Source.LOW_VOLUME)
    first = OutboundEmail.objects.create(kind="upload_summary", user=alice)
    UploadSummaryEmail.objects.create(upload=upload, email=first)
    second = OutboundEmail.objects.create(kind="upload_summary", user=alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        UploadSummaryEmail.objects.create(upload=upload, email=second)


def test_a_summary_is_queued_once_however_often_the_job_is_reported(demo_clinic, alice):
    upload = make_upload(demo_clinic, alice, status=Upload.Status.DONE)
    queue_summary(upload)
    queue_summary(upload)
    assert OutboundEmail.objects.filter(kind="upload_summary").count() == 1
