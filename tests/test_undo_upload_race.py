"""An undo and the outbox's sender at the same instant, in two threads with connections of their
own: for every email exactly one of them wins, and the undo is all or nothing (issue 25,
"Race-free"). PostgreSQL only: SQLite has one writer at a time, so nothing races there.

Within the window the welcome emails are not due, so the sender cannot take them; they meet
only when a sender's clock is ahead of the web server's at the window's end. The test makes
the emails due while the window is still open, and holds the outbox table locked until both
wait for it, so that they start together.
"""

import threading

import pytest
from django.core import mail
from django.db import connection, transaction

from bulkupload.jobs import run_job, store_upload
from bulkupload.models import Upload
from bulkupload.undo import TooLateToUndo, undo_upload
from outbox.models import OutboundEmail
from outbox.sending import send_due_emails
from recipients.models import Recipient
from tests.helpers import person, recipient_csv, wait_until

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgresql("a race needs a database with concurrent writers"),
]

ROUNDS = 6
PEOPLE = 20


@pytest.fixture(autouse=True)
def _window(settings):
    settings.UNDO_WINDOW_MINUTES = 10


def _upload(round_: int, location, user) -> Upload:
    rows = [
        person(f"Pat{n}", f"Round{round_}", "1/2/1980", f"r{round_}p{n}@example.com")
        for n in range(PEOPLE)
    ]
    upload = store_upload(
        recipient_csv(*rows), file_name="f.csv", location=location, user=user, source="low_volume"
    )
    run_job(upload.pk)
    upload.refresh_from_db()
    assert upload.can_be_undone
    return upload


def _waiting_for_outbox() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE relation = %s::regclass AND NOT granted",
            [OutboundEmail._meta.db_table],
        )
        return cursor.fetchone()[0]


def _in_thread(work, results: dict, name: str) -> threading.Thread:
    def run():
        try:
            results[name] = work()
        except TooLateToUndo as late:
            results[name] = late
        finally:
            connection.close()  # this thread's own

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


def _race(upload: Upload, user) -> dict:
    emails = OutboundEmail.objects.filter(kind="welcome", user__recipient__upload=upload)
    emails.update(next_attempt_at=upload.created_at)  # due, while the window is open
    results: dict = {}
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {OutboundEmail._meta.db_table}")
        threads = [
            _in_thread(lambda: undo_upload(upload, by=user), results, "undo"),
            _in_thread(send_due_emails, results, "sender"),
        ]
        assert wait_until(lambda: _waiting_for_outbox() == 2, 30), "one never came"
    for thread in threads:
        thread.join(60)
    return results


def test_an_undo_and_the_sender_at_once_never_both_win_an_email(alice, demo_clinic):
    outcomes = []
    for round_ in range(ROUNDS):
        upload = _upload(round_, demo_clinic, alice)
        mail.outbox.clear()
        results = _race(upload, alice)
        emails = OutboundEmail.objects.filter(kind="welcome", user__recipient__upload=upload)
        statuses = set(emails.values_list("status", flat=True))
        sent = {message.to[0] for message in mail.outbox}
        active = Recipient.objects.active().filter(upload=upload).count()
        upload.refresh_from_db()
        if isinstance(results["undo"], TooLateToUndo):
            # The sender won: the undo left everything as it was.
            outcomes.append("sender")
            assert "cancelled" not in statuses
            assert active == PEOPLE and upload.undone_at is None
        else:
            # The undo won: every email cancelled, none sent, everyone removed.
            outcomes.append("undo")
            assert statuses == {"cancelled"}
            assert sent == set()
            assert active == 0 and upload.undone_at is not None
        cancelled = emails.filter(status="cancelled")
        assert not cancelled.filter(sent_at__isnull=False).exists()
        assert not sent & set(cancelled.values_list("user__email", flat=True))
    print("winners:", outcomes)


def _waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0]


def test_a_sender_arriving_during_an_undo_takes_none_of_its_emails(alice, demo_clinic):
    upload = _upload(0, demo_clinic, alice)
    OutboundEmail.objects.filter(user__recipient__upload=upload).update(
        next_attempt_at=upload.created_at
    )
    results: dict = {}
    with transaction.atomic():
        # One of its recipients held: the undo cancels the emails, then waits to remove them.
        Recipient.objects.select_for_update().filter(upload=upload).order_by("pk").first()
        undo = _in_thread(lambda: undo_upload(upload, by=alice), results, "undo")
        assert wait_until(lambda: _waiting_for_a_lock() == 1, 30), "the undo never waited"
        _in_thread(send_due_emails, results, "sender").join(60)
        assert results["sender"] == 0  # the emails the undo holds are not the sender's
    undo.join(60)
    assert results["undo"] == PEOPLE
    assert set(
        OutboundEmail.objects.filter(user__recipient__upload=upload).values_list(
            "status", flat=True
        )
    ) == {"cancelled"}
    assert mail.outbox == []
