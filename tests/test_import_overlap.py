"""Writing one batch while the engine checks the next (bulkupload.overlap)."""

import threading

import pytest
from django.db import connection, transaction

from bulkupload.overlap import can_overlap, written
from bulkupload.pipeline import import_file
from providers.models import Location, User
from recipients.models import Recipient
from tests.helpers import make_location, make_manager, person, recipient_csv


def test_items_come_back_in_order_with_what_was_written_for_each():
    writer_threads = set()

    def write(item):
        writer_threads.add(threading.current_thread().name)
        return item * 10

    assert list(written(range(5), write, overlap=True)) == [n * 10 for n in range(5)]
    assert writer_threads and threading.current_thread().name not in writer_threads


def test_a_failed_batch_stops_every_batch_after_it():
    done = []
    second_started = threading.Event()

    def write(item):
        if item == 1:
            second_started.set()
            raise ValueError("the disk is full")
        done.append(item)
        return item

    results = []
    with pytest.raises(ValueError, match="disk is full"):
        for outcome in written(range(5), write, overlap=True):
            results.append(outcome)
    assert second_started.is_set()
    assert results == [0]
    assert done == [0]  # batch 2 was already queued, and was not written


def test_without_overlap_each_item_is_written_in_turn():
    order = []

    def write(item):
        order.append(("write", item))
        return item

    for outcome in written(range(3), write, overlap=False):
        order.append(("read", outcome))
    assert order == [
        ("write", 0),
        ("read", 0),
        ("write", 1),
        ("read", 1),
        ("write", 2),
        ("read", 2),
    ]


@pytest.mark.django_db
def test_an_import_inside_a_transaction_writes_on_the_callers_connection(alice, demo_clinic):
    # A caller's atomic block: a second connection would not see the uncommitted location and
    # manager, and what it wrote would outlive the caller's rollback.
    rows = [person("Ann", f"Lee{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}{i}") for i in range(2500)]
    with transaction.atomic():
        result = import_file(recipient_csv(*rows), location=demo_clinic, user=alice)
        assert result.created == 2500
        assert Recipient.objects.count() == 2500  # visible here, on this connection
        transaction.set_rollback(True)
    assert not Recipient.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_large_import_overlapping_its_writes_creates_what_a_sequential_one_would():
    if connection.vendor != "postgresql":
        pytest.skip("writes overlap on PostgreSQL only; SQLite has one writer at a time")

    location = make_location()
    user = make_manager("alice@demo.example", location)
    rows = [person(f"Ann{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}{i}") for i in range(2500)]
    rows[1200] = person("Bad<name>")
    rows[2400] = rows[10]  # the same person twice, in different batches
    assert can_overlap(3)
    result = import_file(recipient_csv(*rows), location=location, user=user)
    assert (result.created, result.failed) == (2498, 2)
    assert [error.line for error in result.errors] == [1202, 2402]
    assert Recipient.objects.filter(location=location).count() == 2498
    assert User.objects.filter(username__contains="covid19vaccine").count() == 2498
    assert Location.objects.count() == 1
