"""Step 1: bytes in, a table of text cells out.

Providers upload whatever their Excel produced: CSV in UTF-8 (with or without BOM), Windows-1252,
UTF-16 ("Unicode Text"), with CRLF, LF or CR-only line endings, comma- or semicolon-delimited; or
the .xlsx template itself; or the OpenDocument spreadsheet (.ods) LibreOffice saves by default.
Everything is turned into rows of strings here, so the later steps never care where a cell came
from.

Rows are streamed: the file is never turned into one big list of rows, and a table can be read
more than once (a first pass finds whole-file problems before anything else happens).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import openpyxl
from defusedxml.ElementTree import iterparse
from python_calamine import CalamineWorkbook

from .columns import FIELDS, header_field

Row = list[str]

_SNIFF_CHARS = 64 * 1024
_DELIMITERS = (",", ";", "\t")
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc: the pre-2007 Office formats
_NOT_TABLE_MAGIC = (
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
    b"GIF8",
    b"II*\x00",  # TIFF
    b"MM\x00*",
    b"RIFF",
    b"\x1f\x8b",  # gzip
    b"7z\xbc\xaf",
    b"Rar!",
    b"{\\rtf",
)
MIXED = "utf-8, with some lines in cp1252"  # Table.encoding of a file of both
_CONTROL_CHARS = frozenset(chr(c) for c in range(32)) - {"\t", "\n", "\r"}

NOT_A_TABLE = (
    "The file is not a table. Save it from Excel as CSV (comma-delimited) or .xlsx "
    "and upload it again."
)
OLD_EXCEL = (
    "The file is an old Excel workbook (.xls). Save it from Excel as CSV (comma-delimited) "
    "or .xlsx and upload it again."
)
UNDECODABLE = (
    "The file's text could not be read. Save it from Excel as CSV UTF-8 (comma-delimited) "
    "and upload it again."
)
EMPTY = "The file is empty."


class FileRejected(Exception):
    """The whole file is refused; nothing in it was used. `message` is shown to the provider."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Table:
    """A readable table: `rows()` yields each row's cells as stripped-of-nothing strings.

    Row numbers are implicit: the n-th row yielded (from 1) is what Excel shows as row n, and
    what the messages call "Line n". Blank rows are yielded too, so numbers stay physical.
    """

    data: bytes
    kind: str  # "csv", "xlsx" or "ods"
    encoding: str = ""
    delimiter: str = ","

    def rows(self) -> Iterator[Row]:
        if self.kind == "xlsx":
            return _xlsx_rows(self.data)
        if self.kind == "ods":
            return _ods_rows(self.data)
        return _csv_rows(self.data, self.encoding, self.delimiter)


def read_table(data: bytes, *, max_bytes: int | None = None) -> Table:
    """Recognise the file's format, text encoding and delimiter, or reject it as a whole."""
    if max_bytes is not None and len(data) > max_bytes:
        raise FileRejected(f"The file is larger than {_megabytes(max_bytes)}.")
    if not data.strip(b" \t\r\n\x00") or data in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE):
        raise FileRejected(EMPTY)
    if data.startswith(_XLSX_MAGIC):
        return Table(data, _check_package(data))
    if data.startswith(_OLE_MAGIC):
        raise FileRejected(OLD_EXCEL)
    if data.startswith(_NOT_TABLE_MAGIC) or (data.startswith(b"BM") and b"\x00" in data[:64]):
        raise FileRejected(NOT_A_TABLE)
    encoding = _detect_encoding(data)
    head = _decode_head(data, encoding)
    if not head.strip(" \t\r\n\ufeff"):
        raise FileRejected(EMPTY)
    if _looks_binary(head):
        raise FileRejected(NOT_A_TABLE)
    return Table(data, "csv", encoding, _detect_delimiter(head))


def _megabytes(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{round(size / (1024 * 1024), 1):g} MB"
    return f"{round(size / 1024, 1):g} KB"


def _detect_encoding(data: bytes) -> str:
    """UTF-8 (BOM or not) first, then UTF-16 with a BOM, then Windows-1252 (Excel's "CSV").

    A UTF-8 file with some lines in Windows-1252 (rows pasted in from another file) is MIXED:
    read whole as Windows-1252, its UTF-8 names would become "JosÃ©" and be created as new
    people beside "José"; each line is decoded as what it is instead (`_mixed_lines`).
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        if _decodes(data, "utf-16"):
            return "utf-16"
        raise FileRejected(UNDECODABLE)
    if b"\x00" in data:
        raise FileRejected(NOT_A_TABLE)
    if _decodes(data, "utf-8"):
        return "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    if _has_utf8_text(data):
        return MIXED
    if _decodes(data, "cp1252"):
        return "cp1252"
    raise FileRejected(UNDECODABLE)


def _has_utf8_text(data: bytes) -> bool:
    """Whether some line holds non-ASCII text that is valid UTF-8 (a BOM counts)."""
    if data.startswith(codecs.BOM_UTF8):
        return True
    for line in data.splitlines():
        if not line.isascii():
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                continue
            return True
    return False


def _mixed_lines(data: bytes) -> Iterator[str]:
    """Each line decoded as UTF-8 if it is, else as Windows-1252 (which decodes nearly any
    byte; the five it leaves undefined are replaced, and the row's checks then refuse it)."""
    for line in data.removeprefix(codecs.BOM_UTF8).splitlines(keepends=True):
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError:
            yield line.decode("cp1252", errors="replace")


def _decodes(data: bytes, encoding: str) -> bool:
    # Decode in chunks and throw the text away: checking costs no second copy of the file.
    decoder = codecs.getincrementaldecoder(encoding)()
    view = memoryview(data)
    try:
        for start in range(0, len(data), 1 << 20):
            decoder.decode(view[start : start + (1 << 20)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _decode_head(data: bytes, encoding: str) -> str:
    head = data[: _SNIFF_CHARS * 2]
    if encoding == MIXED:
        return "".join(_mixed_lines(head))
    return codecs.getincrementaldecoder(encoding)(errors="ignore").decode(head)


def _looks_binary(text: str) -> bool:
    controls = sum(1 for char in text if char in _CONTROL_CHARS)
    return controls > max(2, len(text) // 100)


def _detect_delimiter(head: str) -> str:
    """The delimiter of the header, or else the one used most on any of the first five
    non-blank lines (commas win ties).

    The header row has the most separators of the lines near the top (a title row above it has
    few), so this picks semicolons for European Excel and tabs for "Unicode Text" exports.
    """
    lines = [line for line in head.replace("\r", "\n").split("\n") if line.strip()][:5]
    # First choice: the delimiter that splits one of these lines into a complete header.
    for line in lines:
        for delimiter in _DELIMITERS:
            cells = next(csv.reader([line], delimiter=delimiter), [])
            if {header_field(cell) for cell in cells} >= set(FIELDS):
                return delimiter
    best, best_count = ",", 0
    for delimiter in _DELIMITERS:
        count = max((line.count(delimiter) for line in lines), default=0)
        if count > best_count:
            best, best_count = delimiter, count
    return best


def _csv_rows(data: bytes, encoding: str, delimiter: str) -> Iterator[Row]:
    if encoding == MIXED:
        text = _mixed_lines(data)
    else:
        text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    try:
        yield from csv.reader(text, delimiter=delimiter)
    except (csv.Error, UnicodeError) as error:
        # A NUL, a cell larger than the csv module's limit: not something Excel writes.
        raise FileRejected(NOT_A_TABLE) from error


# A workbook is a zip: a few MB can unpack to gigabytes of XML (a "zip bomb"). A real
# template of 5,000 recipients unpacks to well under 5 MB.
MAX_XLSX_UNPACKED_BYTES = 50 * 1024 * 1024
XLSX_TOO_LARGE = (
    "The workbook is too large once opened. Save it as CSV (comma-delimited) and upload that."
)
# What a workbook may hold, whatever it declares: the largest upload (5,000 recipients of the
# template's 4 columns, an Error column, a title above) is about 30,000 cells and as many
# strings. Counting them in the unpacked XML costs milliseconds; reading millions of them
# (a 121 KB workbook can declare 2.9 million strings) costs the web worker tens of seconds.
MAX_XLSX_CELLS = 250_000
MAX_XLSX_STRINGS = 250_000
# Only the first columns are read (the template has 4, the error file 5), and empty rows are
# yielded only up to a run of this many: a sheet whose rows jump from 2 to 1,048,576 is refused
# at once rather than read row by empty row.
MAX_XLSX_COLUMNS = 64
MAX_XLSX_BLANK_RUN = 1_000
XLSX_TOO_MANY_CELLS = (
    "The workbook holds more cells than a recipient file can have. Keep only the Recipient Bulk "
    "Upload Template's columns, save it as CSV (comma-delimited) and upload that."
)


NUMBERS = (
    "The file is an Apple Numbers spreadsheet, which the portal cannot read. In Numbers, choose "
    "File > Export To > CSV, save, and upload the .csv file."
)
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def _check_package(data: bytes) -> str:
    """What kind of zip package the file is ("xlsx" or "ods"), once its size and cells are
    known to be within bounds; FileRejected for anything else."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
            if _is_numbers(names):
                raise FileRejected(NUMBERS)
            kind = "xlsx" if "xl/workbook.xml" in names else _opendocument_kind(archive, names)
            if kind is None:
                raise FileRejected(NOT_A_TABLE)  # a .docx, an .odt, a .zip of something else
            if sum(entry.file_size for entry in entries) > MAX_XLSX_UNPACKED_BYTES:
                raise FileRejected(XLSX_TOO_LARGE)
            if kind == "xlsx":
                _check_xlsx(archive, names)
            else:
                _check_ods(archive)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as error:
        raise FileRejected(NOT_A_TABLE) from error
    return kind


def _is_numbers(names: set[str]) -> bool:
    # Numbers '13 and later: a zip of Index/*.iwa (protobuf) parts, or Index.zip inside.
    return "Index.zip" in names or any(name.endswith(".iwa") for name in names)


def _opendocument_kind(archive: zipfile.ZipFile, names: set[str]) -> str | None:
    # OpenDocument's first entry, "mimetype", names the kind: a text document is no table.
    if "mimetype" not in names or "content.xml" not in names:
        return None
    return "ods" if archive.read("mimetype").strip() == _ODS_MIMETYPE else None


def _check_xlsx(archive: zipfile.ZipFile, names: set[str]) -> None:
    sheets = [name for name in names if name.startswith("xl/worksheets/")]
    cells = sum(_count(archive, name, (b"<c ", b"<c>", b"<c/>")) for name in sheets)
    strings = sum(
        _count(archive, name, (b"<si>", b"<si ", b"<si/>"))
        for name in names
        if name.lower().startswith("xl/sharedstrings")
    )
    if cells > MAX_XLSX_CELLS or strings > MAX_XLSX_STRINGS:
        raise FileRejected(XLSX_TOO_MANY_CELLS)


# OpenDocument. calamine (Rust) reads the cells: it resolves no DTD and no external entity,
# and is kept up (openpyxl's peer for .ods, odfpy, last released in 2020 and builds a whole
# DOM; pyexcel-ods3 rests on ezodf, unmaintained since 2015). But it fills in what a sheet
# declares: one cell marked "repeated 16,384 times" in a row "repeated 1,048,576 times" is
# billions of cells, and the used range is a rectangle. So the sheets' extent is measured
# first, streaming content.xml through defusedxml (no DTD, no entities: a billion-laughs file
# is refused, not expanded), and a file whose cells with content span more than
# MAX_XLSX_CELLS is refused as an .xlsx would be. LibreOffice's own trailing "repeated"
# empty rows and columns hold no content and cost nothing.
_TABLE_NS = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE_NS = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_ODS_TABLE, _ODS_ROW = f"{_TABLE_NS}table", f"{_TABLE_NS}table-row"
_ODS_CELLS = (f"{_TABLE_NS}table-cell", f"{_TABLE_NS}covered-table-cell")
_ODS_ROWS_REPEATED = f"{_TABLE_NS}number-rows-repeated"
_ODS_COLUMNS_REPEATED = f"{_TABLE_NS}number-columns-repeated"
_ODS_VALUE_TYPE = f"{_OFFICE_NS}value-type"


def _check_ods(archive: zipfile.ZipFile) -> None:
    try:
        with archive.open("content.xml") as content:
            extent = _ods_extent(content)
    except FileRejected:
        raise
    except Exception as error:  # not XML, a DTD or entity (defusedxml), a bad number
        raise FileRejected(NOT_A_TABLE) from error
    if extent > MAX_XLSX_CELLS:
        raise FileRejected(XLSX_TOO_MANY_CELLS)


def _repeated(element, name: str) -> int:
    return max(int(element.get(name, "1")), 1)


def _ods_extent(content) -> int:
    """The cells the sheets' used ranges span (rows x columns to the last cell with content,
    summed over the sheets), as the file declares them."""
    total, row, column, last_row, last_column = 0, 0, 0, 0, 0
    for event, element in iterparse(content, events=("start", "end"), forbid_dtd=True):
        tag = element.tag
        if event == "start":
            if tag == _ODS_TABLE:
                row, last_row, last_column = 0, 0, 0
            elif tag == _ODS_ROW:
                column = 0
            continue
        if tag in _ODS_CELLS:
            span = _repeated(element, _ODS_COLUMNS_REPEATED)
            if element.get(_ODS_VALUE_TYPE) or len(element):
                last_column = max(last_column, column + span)
                last_row = row + 1
            column += span
        elif tag == _ODS_ROW:
            repeated = _repeated(element, _ODS_ROWS_REPEATED)
            if last_row == row + 1:  # the row has content: so do its repeats
                last_row = row + repeated
            row += repeated
            element.clear()  # rows are done with: memory stays flat
        elif tag == _ODS_TABLE:
            total += last_row * last_column
            if total > MAX_XLSX_CELLS:
                return total  # no need to read on
    return total


def _ods_rows(data: bytes) -> Iterator[Row]:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
        # From A1, empty rows included: numbers stay physical, as for .xlsx.
        for row in sheet.iter_rows():
            yield _trimmed([_xlsx_text(value) for value in row[:MAX_XLSX_COLUMNS]])
    except FileRejected:
        raise
    except Exception as error:  # calamine raises its own kinds for a damaged file
        raise FileRejected(NOT_A_TABLE) from error


def _count(
    archive: zipfile.ZipFile, name: str, marks: tuple[bytes, ...], *, chunk_size: int = 1 << 20
) -> int:
    """How often the marks occur in the unpacked entry, read a chunk at a time (a mark cut
    by a chunk's end is found in the next chunk's overlap)."""
    total, tail = 0, b""
    with archive.open(name) as entry:
        while chunk := entry.read(chunk_size):
            window = tail + chunk
            total += sum(window.count(mark) for mark in marks)
            tail = window[-4:]
            total -= sum(tail.count(mark) for mark in marks)  # counted again next time
    return total + sum(tail.count(mark) for mark in marks)


def _xlsx_rows(data: bytes) -> Iterator[Row]:
    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=True, keep_links=False
        )
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise FileRejected(NOT_A_TABLE) from error
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            return
        # What the sheet declares (<dimension ref="A1:XFD1048576"/>) is not believed: rows
        # are read as they are in the file, as wide as MAX_XLSX_COLUMNS.
        sheet.reset_dimensions()
        blank_run, blank = 0, None
        # iter_rows starts at row 1 and yields empty rows too, so numbers stay physical. The
        # rows it makes up for a gap are one and the same tuple: `is` skips them cheaply.
        for row in sheet.iter_rows(max_col=MAX_XLSX_COLUMNS, values_only=True):
            if row is blank or not any(value is not None for value in row):
                blank_run, blank = blank_run + 1, row
                continue
            if blank_run > MAX_XLSX_BLANK_RUN:
                raise FileRejected(_far_below(blank_run))
            for _ in range(blank_run):
                yield []
            blank_run = 0
            yield _trimmed([_xlsx_text(value) for value in row])
    except FileRejected:
        raise
    except Exception as error:
        raise FileRejected(NOT_A_TABLE) from error
    finally:
        workbook.close()


def _far_below(blank_run: int) -> str:
    return (
        f"The workbook has rows far below the others, after {blank_run:,} empty rows. Delete "
        "the empty rows (or copy the recipients to a new sheet), save and upload it again."
    )


def _trimmed(cells: Row) -> Row:
    """The row without the empty cells after its last value (the sheet is read 64 wide)."""
    end = len(cells)
    while end and not cells[end - 1]:
        end -= 1
    return cells[:end]


def _xlsx_text(value: object) -> str:
    """A cell as the text Excel would save to CSV; date cells as m/d/yyyy, as the guide writes."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return f"{value.month}/{value.day}/{value.year}"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
