"""Reading what providers' Excel produces, and refusing what is not a recipient table."""

import io
import zipfile

import pytest

from bulkupload.engine import FileRejected
from bulkupload.pipeline import import_file
from tests.helpers import (
    TEMPLATE_HEADER,
    check_file,
    messages,
    person,
    recipient_csv,
    recipient_xlsx,
)

JOSE = person("José", "Núñez", "3/4/1980", "jose@example.com")
O_BRIEN = person("Siobhán", "O'Brien", "12/2/1955", "siobhan@example.com")


def names(result):
    return [(row.first_name, row.last_name) for row in result.valid_rows]


@pytest.mark.parametrize(
    ("description", "data"),
    [
        ("UTF-8 without BOM", recipient_csv(JOSE, O_BRIEN)),
        ("UTF-8 with BOM (Excel's CSV UTF-8)", recipient_csv(JOSE, O_BRIEN, bom=True)),
        ("Windows-1252 (Excel's CSV on Windows)", recipient_csv(JOSE, O_BRIEN, encoding="cp1252")),
        ("LF line endings", recipient_csv(JOSE, O_BRIEN, newline="\n")),
        ("CR-only line endings (old Mac Excel)", recipient_csv(JOSE, O_BRIEN, newline="\r")),
        ("no newline after the last row", recipient_csv(JOSE, O_BRIEN).rstrip(b"\r\n")),
        (
            "semicolons (European Excel)",
            "FirstName;LastName;Date of birth;Email\r\n"
            "José;Núñez;3/4/1980;jose@example.com\r\n"
            "Siobhán;O'Brien;12/2/1955;siobhan@example.com\r\n".encode("cp1252"),
        ),
        (
            "tabs in UTF-16 (Excel's Unicode Text)",
            "FirstName\tLastName\tDate of birth\tEmail\r\n"
            "José\tNúñez\t3/4/1980\tjose@example.com\r\n"
            "Siobhán\tO'Brien\t12/2/1955\tsiobhan@example.com\r\n".encode("utf-16"),
        ),
        ("an .xlsx workbook", recipient_xlsx(JOSE, O_BRIEN)),
    ],
)
def test_it_reads_every_flavour_of_excel_file(description, data):
    result = check_file(data)
    assert names(result) == [("José", "Núñez"), ("Siobhán", "O'Brien")], description
    assert result.rows == 2
    assert result.failed == 0


def test_it_reads_quoted_cells_with_commas_and_doubled_quotes():
    data = b"FirstName,LastName,Date of birth,Email\r\n"
    data += b'"Mary, Jr.","O""Neil",1/2/1990,m@example.com\r\n'
    result = check_file(data)
    assert result.valid_rows == []
    # The comma is a special character in a name: the row fails, but its cells were read whole.
    assert messages(result) == [
        "Line 2: FirstName: special characters are not accepted: Mary, Jr.; "
        'LastName: special characters are not accepted: O"Neil'
    ]


def test_it_accepts_xlsx_date_cells_and_numbers():
    import datetime as dt

    data = recipient_xlsx(("Ann", "Lee", dt.datetime(1955, 12, 2), "ann@example.com"))
    result = check_file(data)
    assert [row.date_of_birth for row in result.valid_rows] == [dt.date(1955, 12, 2)]


def test_it_skips_blank_rows_without_counting_them_and_keeps_lines_physical():
    data = recipient_csv(
        person("Ann"), ("", "", "", ""), (" ", "", "\t", ""), person("Bob", email="x")
    )
    data += b",,,\r\n"
    result = check_file(data)
    assert result.rows == 2
    assert [row.line for row in result.valid_rows] == [2]
    assert messages(result) == ["Line 5: Email: invalid email address: x"]


def test_it_skips_blank_rows_of_an_xlsx_and_keeps_lines_physical():
    result = check_file(
        recipient_xlsx(person("Ann"), (None, None, None, None), person("Bob", born="x"))
    )
    assert result.rows == 2
    assert messages(result) == ["Line 4: Date of birth: invalid Date of birth: x"]


def test_it_trims_surrounding_whitespace_in_cells():
    result = check_file(recipient_csv(("  Ann ", " Lee", " 1/2/1990 ", " ann@example.com  ")))
    row = result.valid_rows[0]
    assert (row.first_name, row.last_name, row.email) == ("Ann", "Lee", "ann@example.com")


def test_numbers_a_row_with_a_line_break_in_a_cell_as_excel_does():
    data = b'FirstName,LastName,Date of birth,Email\r\n"Ann\nMarie",Lee,1/2/1990,a@\r\n'
    data += b"Bob,Lee,1/2/1990,bad\r\n"
    result = check_file(data)
    # Excel shows the row with the two-line cell as row 2 and the next one as row 3.
    assert [error.line for error in result.errors] == [2, 3]


def _zip(name: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, "hello")
    return buffer.getvalue()


REJECTIONS = [
    ("an empty file", b"", "The file is empty."),
    ("only whitespace", b" \r\n\r\n", "The file is empty."),
    ("only a BOM", b"\xef\xbb\xbf", "The file is empty."),
    ("only commas", b",,,\r\n,,,\r\n", "The file is empty."),
    (
        "a header only",
        recipient_csv(),
        "The file has a header row but no recipients below it.",
    ),
    (
        "a header and blank rows",
        recipient_csv(("", "", "", ""), ("", "", "", "")),
        "The file has a header row but no recipients below it.",
    ),
    ("a PDF", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "The file is not a table."),
    ("a PNG", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "The file is not a table."),
    ("a JPEG", b"\xff\xd8\xff\xe0\x00\x10JFIF", "The file is not a table."),
    ("binary with NULs", b"FirstName\x00\x01\x02\x03" * 20, "The file is not a table."),
    ("control characters", bytes(range(1, 32)) * 20, "The file is not a table."),
    ("a zip that is no workbook", _zip("word/document.xml"), "The file is not a table."),
    ("a broken workbook", _zip("xl/workbook.xml"), "The file is not a table."),
    ("an old .xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "The file is an old Excel"),
    (
        "undecodable text",
        b"FirstName,LastName,Date of birth,Email\r\n\x81\x8d,\x90,1/1/1990,a@b.c\r\n",
        "The file's text could not be read.",
    ),
]


@pytest.mark.parametrize(("description", "data", "message"), REJECTIONS)
def test_it_rejects_files_that_are_not_recipient_tables(description, data, message):
    with pytest.raises(FileRejected) as rejection:
        check_file(data)
    assert rejection.value.message.startswith(message), description


def test_it_rejects_a_file_larger_than_the_size_limit():
    data = recipient_csv(*[person(f"Ann{i}") for i in range(100)])
    assert len(data) > 2048
    with pytest.raises(FileRejected, match=r"^The file is larger than 2 KB\.$"):
        check_file(data, max_bytes=2048)


def test_the_pipeline_s_size_limit_is_the_setting(settings):
    settings.UPLOAD_MAX_BYTES = 5 * 1024 * 1024
    data = recipient_csv(person()) + b"x" * (5 * 1024 * 1024)
    with pytest.raises(FileRejected, match=r"^The file is larger than 5 MB\.$"):
        import_file(data, location=None, user=None, dry_run=True)


def test_it_rejects_more_rows_than_the_entry_point_allows():
    data = recipient_csv(*[person(f"Ann{i}") for i in range(101)], ("", "", "", ""))
    with pytest.raises(FileRejected) as rejection:
        check_file(data, max_rows=100)
    assert rejection.value.message == (
        "The file has 101 recipients; at most 100 can be uploaded at a time here. "
        "Split it into smaller files."
    )


def test_it_accepts_exactly_the_row_limit():
    data = recipient_csv(
        *[person(f"Ann{chr(97 + i % 26)}", born=f"1/{i % 28 + 1}/1990") for i in range(100)]
    )
    assert check_file(data, max_rows=100).rows == 100


def test_a_table_can_have_a_header_only_in_xlsx_too():
    with pytest.raises(FileRejected, match="no recipients"):
        check_file(recipient_xlsx())


def test_the_header_row_of_the_template_is_accepted_as_is():
    assert ",".join(TEMPLATE_HEADER) == "FirstName,LastName,Date of birth,Email"


def test_a_workbook_that_unpacks_to_gigabytes_is_refused_before_it_is_opened():
    from bulkupload.engine import read_table
    from bulkupload.engine.reading import MAX_XLSX_UNPACKED_BYTES, XLSX_TOO_LARGE

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        # Highly compressible: a few hundred KB on disk, far more unpacked.
        archive.writestr("xl/worksheets/sheet1.xml", b"<row/>" * (MAX_XLSX_UNPACKED_BYTES // 6 + 1))
    data = buffer.getvalue()
    assert len(data) < 1024 * 1024
    with pytest.raises(FileRejected) as rejected:
        read_table(data)
    assert rejected.value.message == XLSX_TOO_LARGE
