"""Duplicates: the same first name, last name and date of birth, in the system or earlier in
the file. Different people may share an email."""

import datetime as dt

import pytest
from django.utils import timezone

from bulkupload.engine import DuplicateRow
from bulkupload.pipeline import import_file
from bulkupload.writer import loaded_people, loaded_people_at
from recipients.models import Recipient
from tests.helpers import (
    check_file,
    make_recipient,
    messages,
    person,
    recipient_csv,
)

BORN = dt.date(1990, 1, 2)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (person(), person()),
        (person(), person(first="JOHN", last="smith")),
        (person(), person(first="  John ", last="Smith  ")),
        (person(first="Mary Ann"), person(first="Mary   Ann")),
        (person(), person(born="01/02/1990")),
        (person(), person(email="other@example.com")),  # the email is not part of who it is
    ],
)
def test_it_reports_the_same_person_later_in_the_file(first, second):
    result = check_file(recipient_csv(first, second))
    assert [row.line for row in result.valid_rows] == [2]
    assert messages(result) == [
        f"Line 3: Email: invalid email address: Duplicated {second[3].strip()}"
    ]


@pytest.mark.parametrize(
    "other",
    [
        person(first="Jane"),
        person(last="Smyth"),
        person(born="1/3/1990"),
    ],
)
def test_different_people_may_share_an_email(other):
    result = check_file(recipient_csv(person(), other))
    assert result.failed == 0
    assert len(result.valid_rows) == 2


def test_a_failed_row_does_not_make_a_later_correct_row_a_duplicate():
    result = check_file(recipient_csv(person(email="bad"), person()))
    assert [row.line for row in result.valid_rows] == [3]
    assert messages(result) == ["Line 2: Email: invalid email address: bad"]


def test_it_reports_people_already_in_the_system():
    data = recipient_csv(person(), person(first="Jane"))
    result = check_file(data, existing={("john", "smith", BORN)})
    assert messages(result) == [
        "Line 2: Email: invalid email address: Duplicated john.smith@example.com"
    ]
    assert [row.first_name for row in result.valid_rows] == ["Jane"]


def test_it_checks_the_system_with_one_query_per_batch(demo_clinic, django_assert_num_queries):
    rows = [
        person(f"Ann{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}", born=f"1/{i % 28 + 1}/1990")
        for i in range(2500)
    ]
    data = recipient_csv(*rows)
    with django_assert_num_queries(3):  # batches of 1,000
        result = import_file(data, location=demo_clinic, user=None, dry_run=True)
    assert result.created == 2500


def test_it_finds_existing_people_in_the_database(demo_clinic, other_clinic):
    make_recipient(demo_clinic)
    make_recipient(other_clinic, first_name="Jane", email="jane@example.com")
    people = {
        ("john", "smith", BORN),
        ("jane", "smith", BORN),
        ("john", "smith", dt.date(1990, 1, 3)),
    }
    assert loaded_people(people).keys() == {
        ("john", "smith", BORN),
        ("jane", "smith", BORN),
    }


def test_a_removed_recipient_is_not_a_duplicate(demo_clinic, charlie):
    make_recipient(demo_clinic, removed_at=timezone.now(), removed_by=charlie)
    assert loaded_people({("john", "smith", BORN)}) == {}


def test_a_person_at_another_location_is_a_duplicate(alice, demo_clinic, other_clinic):
    make_recipient(other_clinic, first_name="JOHN")
    result = import_file(recipient_csv(person()), location=demo_clinic, user=alice)
    assert (result.created, result.failed) == (0, 1)
    assert Recipient.objects.count() == 1


def test_it_reproduces_the_guides_seven_row_example(alice, demo_clinic, other_clinic):
    """ "View and Re-Upload File Errors", step 2: Nicholas's seven rows, all failing.

    The guide's sheet shows "Line 8" for its 7th row (physical line 7) and cuts the duplicate's
    ".com"; we number physical lines with the header as line 1 and print the address whole.
    The duplicate is loaded at another location (one loaded here is reconciled instead).
    """
    make_recipient(
        other_clinic,
        first_name="Nicholas",
        last_name="TestLoadE2Recip3",
        date_of_birth=dt.date(1955, 12, 3),
        email="Nicholas.NoEmail@companyemail3.com",
    )
    data = recipient_csv(
        ("Nicholas", "", "12/2/1955", "Nicholas.NoEmail@companyemail2.com"),
        ("Nicholas", "TestLoadE2Recip3", "12/3/1955", "Nicholas.NoEmail@companyemail3.com"),
        # The copy of the sheet in the guide shows this row's last name blank too, but its
        # message names only the date of birth: the name fits the other rows' pattern.
        ("Nicholas", "TestLoadE2Recip4", "", "Nicholas.NoEmail@companyemail4.com"),
        ("Nicholas", "TestLoadE2Recip5", "12/5/1955", "bademail"),
        ("Nicholas", "TestLoadE2Recip6", "12/6/1955", ""),
        ("Nicholas", "TestLoadE2Recip7", "12/7/1955", "Nicholas.NoEmail@"),
        ("Nicholas", "TestLoadE2Recip8", "12/8/19555", "Nicholas.NoEmail@companyemail8.com"),
    )
    result = import_file(data, location=demo_clinic, user=alice)
    assert (result.rows, result.created, result.failed) == (7, 0, 7)
    assert messages(result) == [
        "Line 2: Required fields are missing: [LastName]",
        "Line 3: Email: invalid email address: Duplicated Nicholas.NoEmail@companyemail3.com",
        "Line 4: Required fields are missing: [Date of birth]",
        "Line 5: Email: invalid email address: bademail",
        "Line 6: Required fields are missing: [Email]",
        "Line 7: Email: invalid email address: Nicholas.NoEmail@",
        "Line 8: Date of birth: invalid Date of birth: 12/8/19555",
    ]
    assert Recipient.objects.count() == 1


def test_a_duplicate_says_it_is_earlier_in_the_file_and_on_which_line():
    result = check_file(recipient_csv(person(), person(first="Jane"), person(first="JOHN")))
    (duplicate,) = result.errors
    assert isinstance(duplicate, DuplicateRow)
    assert (duplicate.line, duplicate.earlier_line, duplicate.in_file) == (4, 2, True)
    assert duplicate.person == ("john", "smith", BORN)


def test_a_duplicate_says_it_is_loaded_already_without_saying_where():
    result = check_file(recipient_csv(person()), existing={("john", "smith", BORN)})
    (duplicate,) = result.errors
    assert isinstance(duplicate, DuplicateRow)
    assert (duplicate.earlier_line, duplicate.in_file) == (None, False)
    assert duplicate.person == ("john", "smith", BORN)


def test_a_person_loaded_already_and_repeated_in_the_file_is_told_both_ways():
    result = check_file(recipient_csv(person(), person()), existing={("john", "smith", BORN)})
    assert [(error.line, error.earlier_line) for error in result.errors] == [(2, None), (3, 2)]


def test_other_failed_rows_are_not_duplicates():
    result = check_file(recipient_csv(person(email="bad")))
    assert not isinstance(result.errors[0], DuplicateRow)


def test_the_import_reports_people_its_insert_found_as_loaded_already(
    alice, demo_clinic, other_clinic
):
    make_recipient(other_clinic)
    result = import_file(recipient_csv(person()), location=demo_clinic, user=alice)
    (duplicate,) = result.errors
    assert isinstance(duplicate, DuplicateRow) and not duplicate.in_file


def test_it_tells_which_loaded_people_are_at_a_location(demo_clinic, other_clinic):
    make_recipient(demo_clinic)
    make_recipient(other_clinic, first_name="Jane", email="jane@example.com")
    people = {("john", "smith", BORN), ("jane", "smith", BORN), ("ann", "lee", BORN)}
    assert loaded_people_at(people, demo_clinic) == {("john", "smith", BORN)}
    assert loaded_people_at(people, other_clinic) == {("jane", "smith", BORN)}
