"""On PostgreSQL an import writes its batches on connections of their own, several at once, while
it checks the next ones (bulkupload.writer.BatchWriter): the same recipients, accounts and
emails as one batch after another, the counts exact even when a batch fails, and no
connection left open."""

import threading
import time

import pytest
from django.db import connection

from bulkupload import writer
from bulkupload.pipeline import import_batches, import_file
from outbox.models import OutboundEmail
from providers.models import User
from recipients.models import Recipient
from tests.helpers import make_upload, person, recipient_csv, wait_until

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite has one writer at a time: batches are written one after another",
    ),
]

ROWS = 2500  # three batches
FAMILY = "family@example.com"
FAMILY_LINES = {10, 1010, 2010}  # one member in each batch


def _file() -> bytes:
    return recipient_csv(
        *[
            person(f"Pat{n}", "Lee", "1/2/1980", FAMILY if n in FAMILY_LINES else f"p{n}@x.org")
            for n in range(ROWS)
        ]
    )


@pytest.fixture
def writes(monkeypatch):
    """The threads that wrote each batch; every write waits a little first, so a second
    batch is submitted while the first is still being written."""
    real = writer.create_recipients
    threads: list[str] = []

    def slow(rows, **target):
        threads.append(threading.current_thread().name)
        time.sleep(0.2)
        return real(rows, **target)

    monkeypatch.setattr(writer, "create_recipients", slow)
    return threads


def _connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


def test_batches_are_written_at_once_on_connections_of_their_own(
    alice, demo_clinic, writes, settings
):
    settings.IMPORT_WRITERS = 2
    upload = make_upload(demo_clinic, alice, status="running")
    before = _connections()

    result = import_file(_file(), location=demo_clinic, user=alice, upload=upload)

    assert (result.created, result.failed) == (ROWS, 0)
    assert len(writes) == 3 and set(writes) == {"import-writer-0", "import-writer-1"}
    # Each writer closed its connection. The server's backend for a closed connection leaves
    # pg_stat_activity a moment later: on a loaded machine it can still be listed at once.
    assert wait_until(lambda: _connections() == before, 10), _connections()
    assert Recipient.objects.filter(upload=upload, account__isnull=False).count() == ROWS
    assert OutboundEmail.objects.filter(kind="welcome").count() == ROWS
    # The family's three members, written by different connections at the same time, got
    # three usernames: the unique index settles them as it settles two uploads.
    family = sorted(User.objects.filter(email=FAMILY).values_list("username", flat=True))
    base = FAMILY + ".covid19vaccine"
    assert family == [base, base + "2", base + "3"]


def test_the_running_counts_come_in_file_order(alice, demo_clinic, writes, settings):
    settings.IMPORT_WRITERS = 2
    upload = make_upload(demo_clinic, alice, status="running")
    created = [
        result.created
        for result in import_batches(_file(), location=demo_clinic, user=alice, upload=upload)
    ]
    assert created == [0, 1000, 2000, 2500, 2500]


def test_a_failed_batch_leaves_the_counts_equal_to_what_was_written(
    alice, demo_clinic, writes, settings, monkeypatch
):
    settings.IMPORT_WRITERS = 2
    slow = writer.create_recipients

    def second_fails(rows, **target):
        if len(writes) == 1:  # this is the second batch
            writes.append("failed")
            raise ValueError("the database went away")
        return slow(rows, **target)

    monkeypatch.setattr(writer, "create_recipients", second_fails)
    upload = make_upload(demo_clinic, alice, status="running")
    results = []
    with pytest.raises(ValueError, match="went away"):
        for result in import_batches(_file(), location=demo_clinic, user=alice, upload=upload):
            results.append(result)
    assert results[-1].created == Recipient.objects.count() > 0
    assert Recipient.objects.count() in (1000, 1500)  # the first batch, and maybe the third


def test_one_writer_writes_each_batch_in_the_importing_thread(alice, demo_clinic, writes, settings):
    settings.IMPORT_WRITERS = 1
    upload = make_upload(demo_clinic, alice, status="running")
    assert import_file(_file(), location=demo_clinic, user=alice, upload=upload).created == ROWS
    assert set(writes) == {threading.current_thread().name}


def test_a_file_of_one_batch_is_written_in_the_importing_thread(
    alice, demo_clinic, writes, settings
):
    settings.IMPORT_WRITERS = 2
    upload = make_upload(demo_clinic, alice, status="running", source="low_volume")
    rows = [person(f"Pat{n}", "Lee", "1/2/1980", f"p{n}@x.org") for n in range(100)]
    assert (
        import_file(recipient_csv(*rows), location=demo_clinic, user=alice, upload=upload).created
        == 100
    )
    assert writes == [threading.current_thread().name]  # no thread, no second connection
