"""The error file: failed rows as uploaded, plus an Error column, ready to fix and upload again."""

import csv
import io

import pytest

from bulkupload.engine import neutralise
from tests.helpers import check_file, person, recipient_csv, recipient_xlsx


def read(error_file: bytes) -> list[list[str]]:
    assert error_file.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(error_file[3:].decode("utf-8"), newline="")))


def test_it_has_the_uploaded_columns_in_order_then_error_and_only_failed_rows():
    data = recipient_csv(
        ("1", "Ann", " Lee ", "1/2/1990", "ann@example.com", "x"),
        ("2", "José", "Núñez", "13/2/1990", " jose@example.com", ""),
        header=("Employee ID", "First Name", "Last Name", "DOB", "E-mail", "Notes"),
    )
    rows = read(check_file(data).error_file)
    assert rows == [
        ["Employee ID", "First Name", "Last Name", "DOB", "E-mail", "Notes", "Error"],
        [
            "2",
            "José",
            "Núñez",
            "13/2/1990",
            " jose@example.com",
            "",
            "Line 3: Date of birth: invalid Date of birth: 13/2/1990",
        ],
    ]


def test_it_has_no_error_file_when_nothing_failed():
    assert check_file(recipient_csv(person())).error_file is None


def test_it_writes_utf8_with_a_bom_whatever_the_upload_was():
    data = recipient_csv(person("José", email="bad"), encoding="cp1252")
    error_file = check_file(data).error_file
    assert error_file.startswith(b"\xef\xbb\xbfFirstName")
    assert "José".encode() in error_file


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1234", "'+1234"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Ann", "Ann"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_it_neutralises_cells_excel_would_run_as_formulas(cell, written):
    assert neutralise(cell) == written


def test_formula_cells_are_neutralised_in_the_file():
    data = recipient_csv(("=1+2", "Lee", "1/2/1990", "@x"))
    assert read(check_file(data).error_file)[1][:4] == ["'=1+2", "Lee", "1/2/1990", "'@x"]


def test_it_replaces_the_error_column_of_a_re_uploaded_error_file():
    first = check_file(recipient_csv(person(email="bad"), person("Bob", born="1/2/19900")))
    again = check_file(first.error_file)
    assert again.rows == 2
    assert read(again.error_file) == read(first.error_file)


def test_a_fixed_error_file_uploads_cleanly_as_is():
    first = check_file(recipient_csv(person(email="bad"), person("Bob", born="1/2/19900")))
    fixed = first.error_file.replace(b",bad,", b",ann@example.com,").replace(b"19900", b"1990")
    again = check_file(fixed)
    assert (again.rows, again.created, again.failed) == (2, 2, 0)


def test_an_xlsx_upload_gets_a_csv_error_file_with_dates_as_written_in_the_template():
    import datetime as dt

    data = recipient_xlsx(("Ann", "Lee", dt.datetime(1955, 12, 2), "bad"))
    assert read(check_file(data).error_file)[1] == [
        "Ann",
        "Lee",
        "12/2/1955",
        "bad",
        "Line 2: Email: invalid email address: bad",
    ]


def test_rows_above_the_header_are_left_out():
    data = recipient_csv(
        ("My title", "", "", ""),
        ("FirstName", "LastName", "Date of birth", "Email"),
        person(email="bad"),
        header=None,
    )
    rows = read(check_file(data).error_file)
    assert rows[0] == ["FirstName", "LastName", "Date of birth", "Email", "Error"]
    assert rows[1][-1] == "Line 3: Email: invalid email address: bad"
