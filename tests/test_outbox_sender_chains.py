"""A large mailing goes out on several sender chains at once (outbox.tasks.send_emails), each
email once: through a real worker with two pool processes, as deployed, on PostgreSQL; and a
helper chain runs once however often it is woken."""

import threading
from collections import Counter

import pytest
from django.conf import settings
from django.db import connection, connections

from bulkupload.pipeline import import_file
from devsupport.smtpsink import counting_smtp_server
from devsupport.throwaway import start_worker_process, stop_worker_process
from outbox import sending
from outbox.models import OutboundEmail
from outbox.queue import queue_message
from outbox.tasks import send_emails
from tests.helpers import assert_each_sent_once, make_upload, person, recipient_csv, wait_until

on_postgresql = pytest.mark.postgresql("helper chains are held by PostgreSQL locks")
EMAILS = 1200


@on_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.redis("a worker process needs Redis")
def test_one_worker_sends_a_large_mailing_on_two_chains_at_once_each_email_once(
    alice, demo_clinic, worker_queue, monkeypatch
):
    rows = [person(f"Pat{n}", "Chain", "1/2/1980", f"c{n}@example.com") for n in range(EMAILS)]
    upload = make_upload(demo_clinic, alice, status="running")
    import_file(recipient_csv(*rows), location=demo_clinic, user=alice, upload=upload)
    expected = Counter(email.lower() for *_, email in rows)

    with counting_smtp_server() as (email_url, deliveries):
        monkeypatch.setenv("EMAIL_URL", email_url)  # the worker's settings come from here
        # Slow enough that the first chain's slice (5 s) leaves emails: it wakes the second.
        deliveries.delay = 0.01 * settings.EMAIL_SESSIONS
        worker = start_worker_process(worker_queue, concurrency=2)
        try:
            send_emails.delay()
            assert wait_until(lambda: deliveries.total >= EMAILS, 120), "not all sent"
        finally:
            stop_worker_process(worker)  # each finishes its task: a late double shows
        received = deliveries.counts()

    assert_each_sent_once(received, expected)
    # Both chains sent side by side, each over its own sessions.
    assert deliveries.most_open_sessions == 2 * settings.EMAIL_SESSIONS
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {"accepted"}


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_helper_chain_runs_once_however_often_it_is_woken(settings):
    settings.EMAIL_SENDER_CHAINS = 3
    elsewhere = []

    def woken_again(chain: int) -> None:  # another pool process, another connection
        try:
            with sending.helper_chain(chain) as mine:
                elsewhere.append((chain, mine))
        finally:
            connections.close_all()

    with sending.helper_chain(1) as first:
        for chain in (1, 2, 0):
            thread = threading.Thread(target=woken_again, args=(chain,))
            thread.start()
            thread.join()
    assert first
    # Chain 1 is taken; chain 2 is free; chain 0 (what queueing an email starts) always runs.
    assert elsewhere == [(1, False), (2, True), (0, True)]
    with sending.helper_chain(1) as again:
        assert again  # let go when its task ended
    with sending.helper_chain(3) as beyond:
        assert not beyond  # EMAIL_SENDER_CHAINS bounds them


@on_postgresql
@pytest.mark.parametrize(
    ("due", "woken"), [(sending.BATCH_SIZE + 1, True), (sending.BATCH_SIZE, False)]
)
def test_a_mailing_of_more_than_a_batch_wakes_the_helpers_as_it_starts(
    db, settings, sent_tasks, due, woken
):
    settings.EMAIL_SENDER_CHAINS = 3
    for n in range(due):
        queue_message(None, subject="Hi", body="x", to_email=f"m{n}@example.com")
    sent_tasks.clear()
    send_emails.run()  # sends all in its first slice: none left to wake them after it
    helpers = [args for name, args in sent_tasks if args]
    assert helpers == ([(1,), (2,)] if woken else [])
    assert not OutboundEmail.objects.filter(status="queued").exists()


def test_helper_chains_are_woken_only_on_postgresql(db):
    if connection.vendor == "postgresql":
        assert list(sending.helper_chains()) == list(range(1, settings.EMAIL_SENDER_CHAINS))
    else:
        assert list(sending.helper_chains()) == []
        with sending.helper_chain(1) as mine:
            assert not mine
