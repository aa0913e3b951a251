"""OpenDocument spreadsheets (.ods, what LibreOffice saves by default) are read like the .xlsx
template; Apple Numbers files are refused by name, with how to export them as CSV. Hostile
.ods files are bounded by what they hold, as workbooks are (test_engine_hostile_workbooks)."""

import datetime as dt
import io

import pytest

from bulkupload.engine import FileRejected, read_table, reading
from bulkupload.pipeline import import_file
from devsupport import opendocument
from tests.helpers import check_file, make_location, make_manager, messages, person

ANN = ("Ann", "Lee", dt.date(1955, 12, 2), "ann@example.com")


def test_a_libreoffice_spreadsheet_is_read_with_its_date_cells():
    data = opendocument.spreadsheet(ANN, person("Bob", born="4/5/1980"))
    result = check_file(data)
    assert [(row.first_name, row.date_of_birth) for row in result.valid_rows] == [
        ("Ann", dt.date(1955, 12, 2)),
        ("Bob", dt.date(1980, 4, 5)),
    ]
    assert result.errors == []


def test_the_sheet_s_empty_million_rows_are_not_read_as_lines():
    rows = list(read_table(opendocument.spreadsheet(ANN)).rows())
    assert rows == [list(opendocument.HEADER), ["Ann", "Lee", "12/2/1955", "ann@example.com"]]


def test_its_lines_are_numbered_as_calc_shows_them():
    data = opendocument.spreadsheet(
        person("Ann"), ("", "", "", ""), person("Bob", born="x"), above=(("Recipients",),)
    )
    assert messages(check_file(data)) == ["Line 5: Date of birth: invalid Date of birth: x"]


@pytest.mark.django_db
def test_an_ods_file_creates_its_recipients_through_the_pipeline():
    clinic = make_location()
    manager = make_manager("alice@demo.example", clinic)
    result = import_file(opendocument.spreadsheet(ANN), location=clinic, user=manager)
    assert (result.created, result.failed) == (1, 0)
    assert clinic.recipients.get().email == "ann@example.com"


def test_an_apple_numbers_file_is_refused_naming_the_format_and_the_csv_export():
    with pytest.raises(FileRejected) as rejected:
        read_table(opendocument.numbers_package())
    assert "Apple Numbers" in rejected.value.message
    assert "File > Export To > CSV" in rejected.value.message


def test_an_opendocument_text_is_not_a_table():
    with pytest.raises(FileRejected) as rejected:
        read_table(opendocument.text_document())
    assert rejected.value.message == reading.NOT_A_TABLE


def test_cells_declared_repeated_millions_of_times_are_refused_before_they_are_read():
    data = opendocument.repeated_values(rows=100_000, columns=1_000)
    assert len(data) < 10_000
    with pytest.raises(FileRejected) as rejected:
        read_table(data)
    assert rejected.value.message == reading.XLSX_TOO_MANY_CELLS


def test_one_value_far_below_and_right_is_refused_for_the_range_it_spans():
    with pytest.raises(FileRejected) as rejected:
        read_table(opendocument.far_corner(row_number=100_000, column_number=10))
    assert rejected.value.message == reading.XLSX_TOO_MANY_CELLS


def test_a_value_just_inside_the_bounds_is_read():
    rows = list(read_table(opendocument.far_corner(row_number=1_000, column_number=10)).rows())
    assert len(rows) == 1_000 and rows[-1] == [""] * 9 + ["x"]


def test_nested_entities_are_refused_not_expanded():
    with pytest.raises(FileRejected) as rejected:
        read_table(opendocument.entity_expansion())
    assert rejected.value.message == reading.NOT_A_TABLE


def test_a_manager_uploads_an_ods_file_on_the_low_volume_tab(alice_client):
    file = io.BytesIO(opendocument.spreadsheet(ANN, person("Bob")))
    file.name = "staff.ods"
    response = alice_client.post("/bulk-registration/upload/", {"file": file}, follow=True)
    assert '<strong id="ready-count">2</strong>' in response.content.decode()
