"""Date of birth: mm/dd/yyyy only, a real calendar date, not in the future, not before 1900."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bulkupload.engine import clean_date_of_birth, date_of_birth_problem
from bulkupload.pipeline import import_file
from tests.helpers import TODAY, check_file, messages, person, recipient_csv


@pytest.mark.parametrize(
    ("value", "date"),
    [
        ("12/02/1955", dt.date(1955, 12, 2)),
        ("12/2/1955", dt.date(1955, 12, 2)),  # the guide's own example: no zero padding
        ("1/2/1990", dt.date(1990, 1, 2)),
        ("01/02/1990", dt.date(1990, 1, 2)),
        ("2/29/2000", dt.date(2000, 2, 29)),  # a leap day
        ("1/1/1900", dt.date(1900, 1, 1)),  # the earliest accepted
        ("3/4/2021", TODAY),  # born today
    ],
)
def test_it_accepts_mm_dd_yyyy_dates(value, date):
    assert clean_date_of_birth(value, TODAY) == date


@pytest.mark.parametrize(
    "value",
    [
        "12/8/19555",  # the guide's example
        "13/1/1990",  # no 13th month
        "2/30/1990",
        "2/29/1999",  # not a leap year
        "0/10/1990",
        "10/0/1990",
        "1990-01-02",  # ISO: not the template's format
        "1/2/90",  # two-digit year
        "1.2.1990",
        "1-2-1990",
        "January 2, 1990",
        "12/31/1899",  # before 1900
        "3/5/2021",  # tomorrow
        "1/2/2090",
        "１/２/１９９０",  # full-width digits
        "1/2/1990 00:00",
        "",
    ],
)
def test_it_refuses_other_dates(value):
    assert clean_date_of_birth(value, TODAY) is None


def test_it_reports_an_invalid_date_with_the_guides_message():
    result = check_file(recipient_csv(person(born="12/8/19555")))
    assert messages(result) == ["Line 2: Date of birth: invalid Date of birth: 12/8/19555"]


def test_it_reports_a_missing_date_as_a_required_field():
    result = check_file(recipient_csv(person(born="  ")))
    assert messages(result) == ["Line 2: Required fields are missing: [Date of birth]"]


@pytest.mark.django_db
def test_the_pipeline_uses_the_current_local_date_for_the_future():
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    data = recipient_csv(person(born=f"{tomorrow.month}/{tomorrow.day}/{tomorrow.year}"))
    result = import_file(data, location=None, user=None, dry_run=True)
    assert result.failed == 1


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2/30/1990", "There is no such day: February 1990 has 28 days."),
        ("2/29/1999", "There is no such day: February 1999 has 28 days."),
        ("4/31/1980", "There is no such day: April 1980 has 30 days."),
        ("10/0/1990", "There is no such day: October 1990 has 31 days."),
        ("13/1/1990", "There is no month 13: the month comes first (MM/DD/YYYY)."),
        ("0/10/1990", "There is no month 0: the month comes first (MM/DD/YYYY)."),
        ("12/8/19555", "It is not written MM/DD/YYYY"),
        ("1990-01-02", "It is not written MM/DD/YYYY"),
        ("1/2/90", "It is not written MM/DD/YYYY"),
        ("January 2, 1990", "It is not written MM/DD/YYYY"),
        ("１/２/１９９０", "It is not written MM/DD/YYYY"),
        ("3/5/2021", "It is in the future."),
        ("1/2/2090", "It is in the future."),
        ("12/31/1899", "It is before 1900"),
        ("2/30/0000", "It is before 1900"),
    ],
)
def test_it_says_why_a_date_of_birth_is_invalid(value, reason):
    assert date_of_birth_problem(value, TODAY).startswith(reason)


@pytest.mark.parametrize("value", ["12/2/1955", "2/29/2000", "1/1/1900", "3/4/2021"])
def test_a_valid_date_has_no_reason(value):
    assert date_of_birth_problem(value, TODAY) is None


_DATE_LIKE = st.builds(
    "{}/{}/{}".format,
    st.integers(-1, 40),
    st.integers(-1, 40),
    st.integers(0, 9999).map(lambda year: f"{year:04d}") | st.integers(0, 99999).map(str),
)


@given(st.one_of(_DATE_LIKE, st.text(max_size=12)), st.dates(dt.date(1900, 1, 1)))
def test_a_date_has_a_reason_exactly_when_it_is_refused(value, today):
    assert (date_of_birth_problem(value, today) is None) == (
        clean_date_of_birth(value, today) is not None
    )
