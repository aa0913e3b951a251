"""Properties that hold for any file, and the race between two uploads of the same people."""

import csv
import io
import threading

import pytest
from django.db import connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulkupload.engine import FileRejected
from bulkupload.pipeline import import_file
from recipients.models import Recipient
from recipients.names import visible_text
from tests.helpers import check_file, person, recipient_csv


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise_anything_but_a_clean_rejection(data):
    try:
        check_file(data)
    except FileRejected as rejection:
        assert rejection.message


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_after_a_valid_header_never_crash(data):
    try:
        check_file(b"FirstName,LastName,Date of birth,Email\r\n" + data)
    except FileRejected as rejection:
        assert rejection.message


CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "Ann",
            "Bob",
            "José",
            "O'Brien",
            "=1+2",
            "bad",
            "1/2/1990",
            "12/31/1899",
            "\u200b",
            "\u00a0Ann\u00ad",
            "ann@example.com",
            "a@b.co",
        ]
    ),
    st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=12),
)
ROWS = st.lists(st.tuples(CELLS, CELLS, CELLS, CELLS), min_size=1, max_size=30)


def _csv(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["FirstName", "LastName", "Date of birth", "Email"])
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _non_blank_lines(rows) -> list[int]:
    """Rows that show anything: one of only invisible characters is blank."""
    return [line for line, row in enumerate(rows, start=2) if any(map(visible_text, row))]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROWS)
def test_every_non_blank_row_is_valid_or_in_the_error_file_exactly_once(rows):
    data = _csv(rows)
    try:
        result = check_file(data)
    except FileRejected as rejection:
        assert rejection.message == "The file has a header row but no recipients below it."
        assert not _non_blank_lines(rows)
        return
    failed_lines = [error.line for error in result.errors]
    valid_lines = [row.line for row in result.valid_rows]
    assert sorted(failed_lines + valid_lines) == _non_blank_lines(rows)
    assert result.rows == len(_non_blank_lines(rows))
    for error in result.errors:
        assert error.message.startswith(f"Line {error.line}: ")
        assert list(error.cells) == list(rows[error.line - 2])
    if result.errors:
        written = list(csv.reader(io.StringIO(result.error_file.decode("utf-8-sig"), newline="")))
        assert [row[-1] for row in written[1:]] == [error.message for error in result.errors]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ROWS)
def test_every_non_blank_row_is_created_or_failed_exactly_once(alice, demo_clinic, rows):
    with transaction.atomic():
        result = import_file(
            _csv(rows) if _non_blank_lines(rows) else _csv([person()]),
            location=demo_clinic,
            user=alice,
        )
        assert result.created + result.failed == result.rows
        assert Recipient.objects.count() == result.created
        transaction.set_rollback(True)


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgresql("SQLite serialises writers: two imports cannot race")
def test_two_uploads_racing_with_the_same_people_create_each_person_once(alice, demo_clinic):
    people = [
        person(f"Ann{chr(97 + i % 26)}{chr(97 + i // 26)}", email=f"fam{i % 50}@example.com")
        for i in range(400)
    ]
    data = recipient_csv(*people)
    barrier = threading.Barrier(2)
    results, failures = [], []

    def upload():
        try:
            barrier.wait()
            # Both see nobody yet: the database constraint has to settle it.
            results.append(
                import_file(
                    data,
                    location=demo_clinic,
                    user=alice,
                )
            )
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=upload) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert (
        sorted(result.created for result in results)[0]
        + sorted(result.created for result in results)[1]
        == 400
    )
    # What one created, the other found loaded at the same location, unchanged: nothing to do.
    assert sum(result.already_loaded for result in results) == 400
    assert sum(result.failed for result in results) == 0
    assert Recipient.objects.count() == 400
    usernames = list(Recipient.objects.values_list("account__username", flat=True))
    assert len(set(usernames)) == 400 and None not in usernames
    from outbox.models import OutboundEmail
    from providers.models import User

    assert OutboundEmail.objects.count() == 400
    assert User.objects.filter(username__contains="covid19vaccine").count() == 400
