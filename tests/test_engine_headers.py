"""Finding the columns, however the provider spelled and ordered them."""

import pytest

from bulkupload.engine import FileRejected, header_field
from tests.helpers import check_file, messages, recipient_csv

ROW = ("Ann", "Lee", "1/2/1990", "ann@example.com")


@pytest.mark.parametrize(
    ("cell", "field"),
    [
        ("FirstName", "first_name"),
        ("First Name", "first_name"),
        ("first_name", "first_name"),
        ("FIRST NAME*", "first_name"),
        (" Given Name ", "first_name"),
        ("LastName", "last_name"),
        ("Last Name", "last_name"),
        ("Surname", "last_name"),
        ("last-name", "last_name"),
        ("Date of birth", "date_of_birth"),
        ("Date of Birth", "date_of_birth"),
        ("DOB", "date_of_birth"),
        ("date_of_birth", "date_of_birth"),
        ("Birth Date", "date_of_birth"),
        ("Date of Birth (MM/DD/YYYY)", "date_of_birth"),
        ("Email", "email"),
        ("Email Address", "email"),
        ("E-mail", "email"),
        ("e_mail", "email"),
        ("EMAIL ADDRESS", "email"),
        ("Error", "error"),
        ("Phone", None),
        ("", None),
    ],
)
def test_it_recognises_header_synonyms(cell, field):
    assert header_field(cell) == field


def test_columns_can_come_in_any_order():
    data = recipient_csv(
        ("ann@example.com", "1/2/1990", "Lee", "Ann"),
        header=("E-mail", "DOB", "last_name", "First Name"),
    )
    [row] = check_file(data).valid_rows
    assert (row.first_name, row.last_name, row.email) == ("Ann", "Lee", "ann@example.com")


def test_it_ignores_unknown_columns_and_an_error_column():
    data = recipient_csv(
        ("x", *ROW, "Line 9: Required fields are missing: [Email]", "555-0100"),
        header=("Employee ID", "FirstName", "LastName", "Date of birth", "Email", "Error", "Phone"),
    )
    result = check_file(data)
    assert result.failed == 0
    assert len(result.valid_rows) == 1


def test_a_row_with_only_an_error_message_left_counts_as_blank():
    data = recipient_csv(
        ROW,
        ("", "", "", "", "Line 3: Required fields are missing: [Email]"),
        header=("FirstName", "LastName", "Date of birth", "Email", "Error"),
    )
    assert check_file(data).rows == 1


def test_it_tolerates_a_title_row_above_the_header_and_keeps_lines_physical():
    data = recipient_csv(
        ("Recipient Bulk Upload Template", "", "", ""),
        ("Fill in one recipient per row", "", "", ""),
        ("FirstName", "LastName", "Date of birth", "Email"),
        ROW,
        ("Bob", "", "1/2/1990", "bob@example.com"),
        header=None,
    )
    result = check_file(data)
    assert [row.line for row in result.valid_rows] == [4]
    assert messages(result) == ["Line 5: Required fields are missing: [LastName]"]


def test_it_looks_for_the_header_in_the_first_five_rows_only():
    data = recipient_csv(
        *[("note", "", "", "")] * 5,
        ("FirstName", "LastName", "Date of birth", "Email"),
        ROW,
        header=None,
    )
    with pytest.raises(FileRejected, match=r"missing required columns: \[FirstName, LastName"):
        check_file(data)


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        (("FirstName", "Date of birth", "Email"), "[LastName]"),
        (("FirstName", "LastName", "Email"), "[Date of birth]"),
        (("First", "Last"), "[Date of birth, Email]"),
        (("Name", "Birthday", "Phone"), "[FirstName, LastName, Email]"),
        (("a", "b", "c", "d"), "[FirstName, LastName, Date of birth, Email]"),
    ],
)
def test_it_rejects_a_file_missing_required_columns_naming_them(header, missing):
    with pytest.raises(FileRejected) as rejection:
        check_file(recipient_csv(ROW[: len(header)], header=header))
    assert rejection.value.message == (
        f"The file is missing required columns: {missing}. The header row must name the "
        "columns FirstName, LastName, Date of birth and Email."
    )


def test_a_repeated_column_is_read_from_its_first_occurrence():
    data = recipient_csv(
        ("Ann", "Lee", "1/2/1990", "ann@example.com", "other@example.com"),
        header=("FirstName", "LastName", "Date of birth", "Email", "Email"),
    )
    assert check_file(data).valid_rows[0].email == "ann@example.com"


def test_a_short_row_is_missing_its_last_cells():
    data = b"FirstName,LastName,Date of birth,Email\r\nAnn,Lee\r\n"
    assert messages(check_file(data)) == [
        "Line 2: Required fields are missing: [Date of birth, Email]"
    ]
