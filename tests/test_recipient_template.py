"""The Recipient Bulk Upload Template: an .xlsx with instructions and a .csv, each with an
example row that the portal recognises and never imports."""

import csv
import io

import openpyxl
import pytest

from bulkupload.engine import EXAMPLE, FileRejected, template_csv, template_xlsx
from bulkupload.engine.template import EXAMPLE_ROW
from bulkupload.models import Upload
from recipients.models import Recipient
from tests.helpers import TEMPLATE_HEADER, check_file, messages, person, recipient_csv

XLSX_URL, CSV_URL = "/bulk-registration/template.xlsx", "/bulk-registration/template.csv"
ANN = person("Ann", "Lee", "01/02/1990", "ann.lee@example.org")


def _xlsx(**limits) -> bytes:
    return template_xlsx(low_volume_rows=100, high_volume_rows=5000, **limits)


def _filled_xlsx(data: bytes, *rows) -> bytes:
    """The workbook as a manager saves it after typing rows below the example."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    for row in rows:
        workbook["Recipients"].append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _filled_csv(data: bytes, *rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return data + buffer.getvalue().encode("utf-8")


# The files ---------------------------------------------------------------------------------


def test_the_workbook_has_the_guides_columns_and_the_example_row():
    sheet = openpyxl.load_workbook(io.BytesIO(_xlsx())).worksheets[0]
    assert sheet.title == "Recipients"
    assert [cell.value for cell in sheet[1]] == list(TEMPLATE_HEADER)
    assert [cell.value for cell in sheet[2]] == list(EXAMPLE_ROW)
    assert sheet.max_row == 2


def test_the_workbooks_date_column_is_text_so_excel_keeps_dates_as_typed():
    sheet = openpyxl.load_workbook(io.BytesIO(_xlsx())).worksheets[0]
    assert sheet.column_dimensions["C"].number_format == "@"
    assert sheet["C2"].number_format == "@"
    assert sheet["C2"].value == "01/31/1990"  # a string, not a date serial


def test_the_instructions_sheet_says_what_each_column_accepts_and_the_limits():
    workbook = openpyxl.load_workbook(io.BytesIO(_xlsx()))
    assert workbook.sheetnames == ["Recipients", "Instructions"]
    rows = {
        row[0]: row[1] for row in workbook["Instructions"].iter_rows(min_row=4, values_only=True)
    }
    assert list(rows)[:4] == list(TEMPLATE_HEADER)
    assert "letters of any language" in rows["FirstName"]
    assert "hyphens, apostrophes and periods" in rows["LastName"]
    assert "MM/DD/YYYY" in rows["Date of birth"]
    assert "not in the future and not before 01/01/1900" in rows["Date of birth"]
    assert "at most 100 recipients" in rows["How many"]
    assert "at most 5,000 recipients" in rows["How many"]
    assert "same first name, last name and date of birth" in rows["Duplicates"]
    assert "never imports it" in rows["Example row"]


def test_the_csv_template_is_the_header_and_the_example_row_for_excel():
    data = template_csv()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, as Excel wants it
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == [
        list(TEMPLATE_HEADER),
        list(EXAMPLE_ROW),
    ]


# The example row, in the engine ------------------------------------------------------------


@pytest.mark.parametrize("template", [_xlsx, template_csv], ids=["xlsx", "csv"])
def test_the_untouched_template_is_refused_as_holding_only_the_example(template):
    with pytest.raises(FileRejected) as rejection:
        check_file(template())
    assert rejection.value.message == (
        "The file has only the template's example row (Jane Example), which is never "
        "imported. Enter your recipients below the header row and upload the file again."
    )


@pytest.mark.parametrize(
    "filled",
    [lambda: _filled_xlsx(_xlsx(), ANN), lambda: _filled_csv(template_csv(), ANN)],
    ids=["xlsx", "csv"],
)
def test_the_template_with_one_row_added_has_one_recipient_and_no_error(filled):
    result = check_file(filled())
    assert result.rows == 1
    assert messages(result) == []
    assert [(row.line, row.first_name) for row in result.valid_rows] == [(3, "Ann")]


def test_the_example_is_recognised_after_excel_drops_the_zeros_of_its_date():
    example = (EXAMPLE["first_name"], EXAMPLE["last_name"], "1/31/1990", EXAMPLE["email"])
    result = check_file(recipient_csv(ANN, example))
    assert result.rows == 1 and messages(result) == []


def test_an_example_row_that_was_changed_is_a_recipient_like_any_other():
    changed = (EXAMPLE["first_name"], "Doe", EXAMPLE["date_of_birth"], EXAMPLE["email"])
    result = check_file(recipient_csv(changed))
    assert [row.last_name for row in result.valid_rows] == ["Doe"]


def test_the_example_is_not_counted_against_the_row_limit():
    rows = [person(f"Ann{chr(97 + i % 26)}{chr(97 + i // 26)}") for i in range(100)]
    result = check_file(recipient_csv(EXAMPLE_ROW, *rows), max_rows=100)
    assert result.rows == 100 and result.failed == 0


# The downloads and uploading them back -----------------------------------------------------


def test_the_low_and_high_volume_tabs_link_both_templates_saying_their_format(alice_client):
    for path in ("/bulk-registration/", "/bulk-registration/high-volume/"):
        page = alice_client.get(path).content.decode()
        assert (
            f'<a href="{XLSX_URL}" download>Download the Recipient Bulk Upload Template '
            "(Excel file, .xlsx)</a>"
        ) in page, path
        assert (
            f'<a href="{CSV_URL}" download>Download the Recipient Bulk Upload Template '
            "(CSV file, .csv)</a>"
        ) in page, path


def test_the_workbook_downloads_with_its_instructions(alice_client):
    response = alice_client.get(XLSX_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="recipient-bulk-upload-template.xlsx"'
    )
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert [cell.value for cell in workbook["Recipients"][1]] == list(TEMPLATE_HEADER)
    assert workbook["Recipients"].column_dimensions["C"].number_format == "@"
    instructions = " ".join(
        str(value) for row in workbook["Instructions"].values for value in row if value
    )
    assert "at most 100 recipients" in instructions


def test_the_instructions_follow_the_configured_row_limits(alice_client, settings):
    settings.LOW_VOLUME_MAX_ROWS, settings.HIGH_VOLUME_MAX_ROWS = 50, 2000
    workbook = openpyxl.load_workbook(io.BytesIO(alice_client.get(XLSX_URL).content))
    how_many = next(row[1] for row in workbook["Instructions"].values if row[0] == "How many")
    assert "at most 50 recipients" in how_many and "at most 2,000 recipients" in how_many


def test_the_csv_downloads(alice_client):
    response = alice_client.get(CSV_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="recipient-bulk-upload-template.csv"'
    )
    assert response.content == template_csv()


def test_the_templates_are_for_signed_in_managers_and_only_read(client, alice_client):
    client.logout()
    assert client.get(XLSX_URL).status_code == 302
    assert alice_client.post(XLSX_URL).status_code == 405
    assert alice_client.post(CSV_URL).status_code == 405


def _upload_for_review(client, data: bytes, name: str) -> Upload:
    upload_file = io.BytesIO(data)
    upload_file.name = name
    response = client.post("/bulk-registration/upload/", {"file": upload_file})
    assert response.status_code == 302, response.content.decode()
    return Upload.objects.latest("pk")


@pytest.mark.parametrize(
    ("url", "fill", "name"),
    [(XLSX_URL, _filled_xlsx, "template.xlsx"), (CSV_URL, _filled_csv, "template.csv")],
    ids=["xlsx", "csv"],
)
def test_the_downloaded_template_with_one_row_added_creates_exactly_that_recipient(
    alice_client, url, fill, name, django_capture_on_commit_callbacks
):
    data = fill(alice_client.get(url).content, ANN)
    upload = _upload_for_review(alice_client, data, name)
    review = alice_client.get(f"/bulk-registration/review/{upload.pk}/").content.decode()
    assert '<strong id="ready-count">1</strong>' in review
    assert '<strong id="error-count">0</strong>' in review
    assert "Jane" not in review and "jane.example@example.com" not in review
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(f"/bulk-registration/review/{upload.pk}/create/")
    assert list(Recipient.objects.values_list("first_name", "last_name")) == [("Ann", "Lee")]
    upload.refresh_from_db()
    assert (upload.rows, upload.created_count, upload.failed_count) == (1, 1, 0)


@pytest.mark.parametrize(("url", "name"), [(XLSX_URL, "t.xlsx"), (CSV_URL, "t.csv")])
def test_the_untouched_downloaded_template_is_refused_saying_why(alice_client, url, name):
    upload_file = io.BytesIO(alice_client.get(url).content)
    upload_file.name = name
    page = alice_client.post("/bulk-registration/upload/", {"file": upload_file})
    assert "The file has only the template&#x27;s example row (Jane Example)" in (
        page.content.decode()
    )
    assert Upload.objects.count() == 0 and Recipient.objects.count() == 0
