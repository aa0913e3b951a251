"""Two real worker processes drain one outbox over SMTP, and no email goes out twice.

The workers are processes of their own sharing the test database (devsupport/throwaway.py),
delivering to a real SMTP server in this process that counts what each address receives
(devsupport/smtpsink.py): PostgreSQL and Redis only.
"""

from collections import Counter

import pytest
from django.conf import settings
from django.db import connection, transaction

from bulkupload.pipeline import import_file
from devsupport.smtpsink import counting_smtp_server
from devsupport.throwaway import start_worker_process, stop_worker_process
from outbox.models import OutboundEmail
from outbox.tasks import send_emails
from tests.helpers import assert_each_sent_once, make_upload, person, recipient_csv, wait_until

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgresql("worker processes sharing the test database need PostgreSQL"),
    pytest.mark.redis("worker processes need a broker of their own: Redis"),
]

EMAILS = 300  # three of the outbox's batches


def _outbox_waiters() -> int:
    """How many connections wait for the outbox table (locked by the test)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE relation = %s::regclass AND NOT granted",
            [OutboundEmail._meta.db_table],
        )
        return cursor.fetchone()[0]


def test_two_workers_drain_one_outbox_sending_each_email_once(
    alice, demo_clinic, worker_queue, monkeypatch
):
    rows = [person(f"Pat{n}", "Lee", "1/2/1980", f"p{n}@example.com") for n in range(EMAILS)]
    upload = make_upload(demo_clinic, alice, status="running")
    assert (
        import_file(recipient_csv(*rows), location=demo_clinic, user=alice, upload=upload).created
        == EMAILS
    )
    expected = Counter(email.lower() for *_, email in rows)

    with counting_smtp_server() as (email_url, deliveries):
        monkeypatch.setenv("EMAIL_URL", email_url)  # the workers' settings come from here
        workers = [start_worker_process(worker_queue) for _ in range(2)]
        try:
            # Both workers claim their first batch at the same instant: the table is held
            # until each waits for it, as two senders racing for the same rows would.
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(f"LOCK TABLE {OutboundEmail._meta.db_table}")
                send_emails.delay()
                send_emails.delay()  # two uploads ending together
                assert wait_until(lambda: _outbox_waiters() == 2, 60), "a worker never came"
            assert wait_until(lambda: deliveries.total >= EMAILS, 120)
        finally:
            for worker in workers:
                stop_worker_process(worker)  # each finishes its task: a late double shows
        received = deliveries.counts()

    assert_each_sent_once(received, expected)
    # The two workers sent side by side, each over its SMTP sessions.
    assert deliveries.most_open_sessions == 2 * settings.EMAIL_SESSIONS
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {"accepted"}
