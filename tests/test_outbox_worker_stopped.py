"""A worker stopped in the middle of a mailing: told to stop (a deploy), or killed.

Real Celery worker processes on the test database and the configured broker (kombu's
filesystem transport, or Redis), sending over SMTP to a server in this process that counts
what each address receives (devsupport/smtpsink.py). The worker that sends the rest is started
with the first one, on a queue of its own that gets work only once the first has stopped: a
worker takes seconds to start.
"""

import contextlib
import time
from collections import Counter
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db.models import F

from bulkupload.pipeline import import_file
from cvms.celery import app as celery_app
from devsupport.smtpsink import counting_smtp_server
from devsupport.throwaway import start_worker_process, stop_worker_process
from outbox import sending
from outbox.models import OutboundEmail
from outbox.tasks import send_emails, sweep_outbox
from tests.helpers import make_upload, person, recipient_csv, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def _mailing(location, manager, emails: int) -> Counter[str]:
    """An import's welcome emails, queued; the addresses they go to."""
    rows = [person(f"Pat{n}", "Lee", "1/2/1980", f"p{n}@example.com") for n in range(emails)]
    upload = make_upload(location, manager, status="running")
    created = import_file(recipient_csv(*rows), location=location, user=manager, upload=upload)
    assert created.created == emails
    return Counter(email.lower() for *_, email in rows)


def _why_unsent() -> str:
    """What the emails not sent are waiting for: their states and errors, counted."""
    left = OutboundEmail.objects.exclude(status=OutboundEmail.Status.ACCEPTED)
    why = Counter(
        (status, attempts, error[:80])
        for status, attempts, error in left.values_list("status", "attempts", "last_error")
    )
    return f"{left.count()} emails never went: {dict(why)}"


def _unsent() -> int:
    return OutboundEmail.objects.exclude(status=OutboundEmail.Status.ACCEPTED).count()


@contextlib.contextmanager
def _first_and_standby(queue: str) -> Iterator[tuple]:
    """A worker on `queue` and a standby one on `queue`-standby, started together; from here
    on, tasks this process sends (beat's sweep's) go to the standby. On the way out each one
    still running is killed, and what was left in the two queues is dropped."""
    standby = f"{queue}-standby"
    celery_app.conf.task_default_queue = standby
    workers = start_worker_process(queue), start_worker_process(standby)
    try:
        yield workers
    finally:
        for worker in workers:
            stop_worker_process(worker, kill=True)
        with celery_app.connection_for_write() as connection:
            for name in (queue, standby):
                connection.default_channel.queue_purge(name)


def test_a_worker_told_to_stop_mid_mailing_is_gone_in_seconds_and_another_sends_the_rest_once(
    alice, demo_clinic, worker_queue, monkeypatch
):
    expected = _mailing(demo_clinic, alice, 200)
    with counting_smtp_server() as (email_url, deliveries):
        monkeypatch.setenv("EMAIL_URL", email_url)  # the workers' settings come from here
        monkeypatch.setenv("EMAIL_SEND_SLICE_SECONDS", "1")
        # A relay slow enough for the mailing to take 8 s, over the sessions the sender keeps
        # open at once (25 emails a second): the stop comes at 2 s, and the slice it comes in
        # and the one more a stopping worker may take from its queue (Celery's loop on the
        # filesystem broker reads it once more after the stop), 1 s each, leave the second
        # worker the rest to send.
        deliveries.delay = 0.04 * settings.EMAIL_SESSIONS
        with _first_and_standby(worker_queue) as (first, second):
            send_emails.apply_async(queue=worker_queue)
            assert wait_until(lambda: deliveries.total >= 50, 60), "the mailing never started"
            asked = time.monotonic()
            stop_worker_process(first)  # SIGTERM, as Docker, Kubernetes and systemd send
            stopped_after = time.monotonic() - asked
            assert stopped_after < 10, f"the worker took {stopped_after:.1f} s to stop"
            assert OutboundEmail.objects.filter(status="queued").exists(), "it sent them all"
            assert not OutboundEmail.objects.filter(status="sending").exists()  # none claimed

            deliveries.delay = 0
            # Beat's sweep, within a minute, starts sending again: the task the first worker
            # handed on as it stopped is not relied on (Celery may take it from Redis as it
            # stops and keep it for the visibility timeout: issue 7950).
            sweep_outbox.apply()
            assert wait_until(lambda: _unsent() == 0, 90), f"{_unsent()} emails never went"
            stop_worker_process(second)  # it finishes its task: a late double shows
        received = deliveries.counts()

    assert received - expected == Counter(), "sent more than once"
    assert expected - received == Counter(), "never sent"


def test_a_worker_killed_mid_mailing_loses_no_email_and_sends_at_most_those_in_flight_twice(
    alice, demo_clinic, worker_queue, monkeypatch
):
    expected = _mailing(demo_clinic, alice, 300)  # three of the sender's batches
    with counting_smtp_server() as (email_url, deliveries):
        monkeypatch.setenv("EMAIL_URL", email_url)
        # At least 0.1 s from the 150th email to its batch's end, over the sender's sessions.
        deliveries.delay = 0.002 * settings.EMAIL_SESSIONS
        with _first_and_standby(worker_queue) as (first, second):
            send_emails.apply_async(queue=worker_queue)
            assert wait_until(lambda: deliveries.total >= 150, 60, step=0.005)
            stop_worker_process(first, kill=True)  # kill -9 in its second batch
            orphans = OutboundEmail.objects.filter(status="sending")
            assert orphans.exists(), "the worker was not killed mid-batch"

            # STALE_AFTER later beat's sweep, which runs every minute, finds them.
            orphans.update(last_attempt_at=F("last_attempt_at") - sending.STALE_AFTER)
            deliveries.delay = 0
            sweep_outbox.apply()
            assert wait_until(lambda: _unsent() == 0, 90), _why_unsent()
            stop_worker_process(second)
        received = deliveries.counts()

    assert expected - received == Counter(), "never sent"
    # Only the emails the relay accepted in the instant before the kill, never marked: at
    # most two per SMTP session the sender had open (EMAIL_SESSIONS): one being sent, one
    # waiting for its mark (outbox.sessions, Sessions.capacity).
    in_flight = 2 * settings.EMAIL_SESSIONS
    assert (received - expected).total() <= in_flight, "sent twice beyond those in flight"
