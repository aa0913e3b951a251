"""The Recipient Bulk Upload Template, as a workbook and as CSV, and its example row.

Both files have the guide's header row and one example row, Jane Example: a manager sees how a
row is filled in, and may leave it there. The engine skips a row that is exactly the example
(`is_example`): it is not a recipient, not counted and not an error. Its address is at
example.com, a domain reserved for examples (RFC 2606) that has no mailboxes, so no real
recipient can ever be the example.

The workbook's date column is formatted as text, so Excel keeps "01/31/1990" as typed instead
of turning it into a date it may save differently; its second sheet, Instructions, says what
each column accepts.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from recipients.names import visible_text

from .cleaning import EARLIEST_BIRTH_DATE, NAME_MAX_LENGTH, clean_date_of_birth
from .columns import FIELDS, LABELS, TEMPLATE_COLUMNS
from .headers import Header
from .reading import Row

EXAMPLE = {
    "first_name": "Jane",
    "last_name": "Example",
    "date_of_birth": "01/31/1990",
    "email": "jane.example@example.com",
}
EXAMPLE_ROW = tuple(EXAMPLE[field] for field in FIELDS)
_EXAMPLE_BIRTH_DATE = dt.date(1990, 1, 31)
_FAR_FUTURE = dt.date(9999, 12, 31)

SHEET_TITLE = "Recipients"
INSTRUCTIONS_TITLE = "Instructions"
TEXT_FORMAT = "@"  # Excel's number format "Text"


def is_example(cells: Row, header: Header) -> bool:
    """Whether the row is the template's example, left as it is in the template.

    The cells are compared as seen (trimmed, without invisible characters), and the date may
    have lost its zeros: a CSV template opened and saved in Excel writes 1/31/1990.
    """
    values = {
        field: visible_text(cells[i]) if i < len(cells) else ""
        for field, i in header.columns.items()
    }
    return (
        values["email"] == EXAMPLE["email"]
        and values["first_name"] == EXAMPLE["first_name"]
        and values["last_name"] == EXAMPLE["last_name"]
        and clean_date_of_birth(values["date_of_birth"], _FAR_FUTURE) == _EXAMPLE_BIRTH_DATE
    )


def template_csv() -> bytes:
    """The template as CSV: the header and the example row, UTF-8 with a BOM for Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([TEMPLATE_COLUMNS, EXAMPLE_ROW])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx(*, low_volume_rows: int, high_volume_rows: int) -> bytes:
    """The template as a workbook: the Recipients sheet, then the Instructions."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    _recipients_sheet(sheet)
    _instructions_sheet(
        workbook.create_sheet(INSTRUCTIONS_TITLE), low_volume_rows, high_volume_rows
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _recipients_sheet(sheet: Worksheet) -> None:
    sheet.append(TEMPLATE_COLUMNS)
    sheet.append(EXAMPLE_ROW)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[2]:
        cell.font = Font(italic=True, color="595959")
    for index, width in enumerate((20, 20, 16, 34), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    # Text, for the cells typed into the column later (the column's style) and for the
    # example's: Excel would otherwise turn 01/31/1990 into a date serial number.
    date_column = get_column_letter(FIELDS.index("date_of_birth") + 1)
    sheet.column_dimensions[date_column].number_format = TEXT_FORMAT
    sheet[f"{date_column}2"].number_format = TEXT_FORMAT
    sheet.freeze_panes = "A2"


def instructions(low_volume_rows: int, high_volume_rows: int) -> list[tuple[str, str]]:
    """What each column accepts, and the rules of a file: the Instructions sheet's rows."""
    name = (
        "Required. The recipient's legal {which} name: letters of any language, with their "
        "accents (José, Zoë, Nguyễn, Łukasz), spaces, hyphens, apostrophes and periods "
        "(O'Brien, Smith-Jones, St. John). It starts with a letter and has at most "
        f"{NAME_MAX_LENGTH} characters. Other characters (such as @ # < > ; / _ or emoji) "
        "are not accepted."
    )
    earliest = EARLIEST_BIRTH_DATE.strftime("%m/%d/%Y")
    return [
        (LABELS["first_name"], name.format(which="first")),
        (LABELS["last_name"], name.format(which="last")),
        (
            LABELS["date_of_birth"],
            f"Required. MM/DD/YYYY, for example {EXAMPLE['date_of_birth']} (1/31/1990 is "
            f"accepted too). A real date, not in the future and not before {earliest}.",
        ),
        (
            LABELS["email"],
            "Required. The recipient's own email address, such as name@example.com: the "
            "recipient is sent an email there to register in the COVID-19 Vaccine Portal. "
            "Recipients may share an email address (a family, for example).",
        ),
        (
            "Duplicates",
            "A row is not created when a recipient with the same first name, last name and "
            "date of birth is already loaded, or is on an earlier row of the file: its error "
            'is "Email: invalid email address: Duplicated" and the email. Capital letters and '
            "spaces do not make a different person.",
        ),
        (
            "How many",
            f"Low Volume tab: at most {low_volume_rows:,} recipients per file; you review every "
            f"row before the records are created. High Volume tab: at most "
            f"{high_volume_rows:,} recipients per file. Do not create any files with more "
            f"than {high_volume_rows:,} Recipient records.",
        ),
        (
            "Example row",
            f"Row 2 of the {SHEET_TITLE} sheet ({EXAMPLE['first_name']} {EXAMPLE['last_name']}) "
            "shows how to fill in a row. The portal never imports it: leave it or delete it, "
            "and enter your recipients below the header row, one per row.",
        ),
        (
            "Saving",
            f"Keep the header row as it is. Upload this workbook (.xlsx), or save the "
            f"{SHEET_TITLE} sheet as CSV (comma-delimited) (*.csv) and upload that.",
        ),
    ]


def _instructions_sheet(sheet: Worksheet, low_volume_rows: int, high_volume_rows: int) -> None:
    sheet.append(("Recipient Bulk Upload Template", ""))
    sheet.append(())
    sheet.append(("Column or rule", "What to enter"))
    for row in instructions(low_volume_rows, high_volume_rows):
        sheet.append(row)
    sheet["A1"].font = Font(bold=True, size=14)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 100
    for row in sheet.iter_rows(min_row=4):
        row[0].font = Font(bold=True)
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
