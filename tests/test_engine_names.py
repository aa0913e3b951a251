"""Names: letters of any language, digits, spaces, hyphens, apostrophes and periods."""

import pytest

from bulkupload.engine import name_problem
from tests.helpers import check_file, messages, person, recipient_csv


@pytest.mark.parametrize(
    "name",
    [
        "John",
        "José",
        "Zoë",
        "Jose\u0301",  # a decomposed accent
        "O'Brien",
        "O’Neil",
        "Smith-Jones",
        "St. John",
        "Mary Ann",
        "TestLoadE2Recip3",  # the guide's own test names
        "Nguyễn",
        "Łukasz",
        "Владимир",
        "김",
        "محمد",
        "A" * 80,
        "प्रिया",  # Devanagari: a virama and a vowel sign are combining marks
        "தமிழ்",
    ],
)
def test_it_accepts_real_names(name):
    assert name_problem(name) is None


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("<script>", "special characters are not accepted"),
        ("Ann>", "special characters are not accepted"),
        ("ann@example.com", "special characters are not accepted"),
        ("#1", "special characters are not accepted"),
        ("Ann;", "special characters are not accepted"),
        ("=HYPERLINK()", "special characters are not accepted"),
        ("Ann 😀", "special characters are not accepted"),
        ("Ann\u202eLee", "special characters are not accepted"),  # reorders what is seen
        ("Ann\x00", "special characters are not accepted"),
        ("Ann_Lee", "special characters are not accepted"),
        ("Ann/Lee", "special characters are not accepted"),
        ("'Ann", "must start with a letter"),
        ("-Ann", "must start with a letter"),
        ("2Pac", "must start with a letter"),
        (". Ann", "must start with a letter"),
        ("A" * 81, "longer than 80 characters"),
    ],
)
def test_it_refuses_special_characters(name, problem):
    assert name_problem(name) == problem


def test_it_names_the_field_and_the_value_in_the_message():
    result = check_file(recipient_csv(person(first="Ann<b>", last="Lee#")))
    assert messages(result) == [
        "Line 2: FirstName: special characters are not accepted: Ann<b>; "
        "LastName: special characters are not accepted: Lee#"
    ]


def test_it_reports_every_problem_of_a_row_in_one_message():
    result = check_file(recipient_csv(("", "2Pac", "13/13/1990", "no-at-sign")))
    assert messages(result) == [
        "Line 2: Required fields are missing: [FirstName]; "
        "LastName: must start with a letter: 2Pac; "
        "Date of birth: invalid Date of birth: 13/13/1990; "
        "Email: invalid email address: no-at-sign"
    ]


def test_it_lists_several_missing_fields_in_template_order():
    result = check_file(recipient_csv(("", "", "", "")[:0] + ("Ann", "", "", "")))
    assert messages(result) == [
        "Line 2: Required fields are missing: [LastName, Date of birth, Email]"
    ]


def test_a_name_whose_keys_would_be_cut_is_refused_not_cut():
    ligatures = "ﬃ" * 40  # 40 characters, 120 once normalised
    result = check_file(recipient_csv(person(first=ligatures)))
    assert messages(result) == [f"Line 2: FirstName: longer than 80 characters: {ligatures}"]
