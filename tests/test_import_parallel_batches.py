"""On PostgreSQL an import writes its batches on connections of their own, several at once, while
it checks the next ones (bulkupload.writer.BatchWriter): the same recipients, accounts and
emails as one batch after another, the counts exact even when a batch fails, and no
connection left open."""

import pytest
from django.db import DatabaseError, connection

from bulkupload.pipeline import import_batches, import_file
from outbox.models import OutboundEmail
from providers.models import User
from recipients.models import Recipient
from tests.helpers import failing_inserts_into, make_upload, person, recipient_csv, wait_until

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgresql(
        "SQLite has one writer at a time: batches are written one after another"
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
def writes():
    """The database connections (server process ids) that wrote each batch's recipients, in
    the order they wrote them, seen by the database itself: a trigger logs each insert
    statement, then holds it a little, so a second batch is submitted while the first is
    still being written."""
    table = Recipient._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE test_writes (id serial PRIMARY KEY, pid int NOT NULL)")
        cursor.execute(
            "CREATE FUNCTION test_log_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "INSERT INTO test_writes (pid) VALUES (pg_backend_pid()); PERFORM pg_sleep(0.2); "
            "RETURN NULL; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER test_log_write AFTER INSERT ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION test_log_write()"
        )

    def written() -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM test_writes ORDER BY id")
            return [pid for (pid,) in cursor.fetchall()]

    yield written
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER test_log_write ON {table}")
        cursor.execute("DROP FUNCTION test_log_write()")
        cursor.execute("DROP TABLE test_writes")


def _own_pid() -> int:
    """The server process of this thread's connection (the importing thread's)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


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
    pids = writes()
    assert len(pids) == 3 and len(set(pids)) == 2 and _own_pid() not in pids
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
    alice, demo_clinic, writes, settings
):
    settings.IMPORT_WRITERS = 2
    upload = make_upload(demo_clinic, alice, status="running")
    results = []
    # The database refuses the second batch (a row of it), as if it went away meanwhile.
    with (
        failing_inserts_into(Recipient, when="NEW.first_name = 'Pat1000'"),
        pytest.raises(DatabaseError, match="disk is full"),
    ):
        for result in import_batches(_file(), location=demo_clinic, user=alice, upload=upload):
            results.append(result)
    assert results[-1].created == Recipient.objects.count() > 0
    assert Recipient.objects.count() in (1000, 1500)  # the first batch, and maybe the third


def test_one_writer_writes_each_batch_in_the_importing_thread(alice, demo_clinic, writes, settings):
    settings.IMPORT_WRITERS = 1
    upload = make_upload(demo_clinic, alice, status="running")
    assert import_file(_file(), location=demo_clinic, user=alice, upload=upload).created == ROWS
    assert set(writes()) == {_own_pid()}


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
    assert writes() == [_own_pid()]  # no thread, no second connection
