"""OpenDocument spreadsheets (.ods) as LibreOffice Calc saves them, and ones built to make a
reader work, for the tests and the bench; and an Apple Numbers package's outline.

LibreOffice writes the sheet's unused area too: a last row "repeated" to row 1,048,576 and
cells "repeated" to column 1,024, all empty. A reader has to take that in its stride.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from xml.sax.saxutils import escape

HEADER = ("FirstName", "LastName", "Date of birth", "Email")
MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)
_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
    'manifest:version="1.3">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)
SHEET_ROWS, SHEET_COLUMNS = 1_048_576, 1_024


def cell(value: object, *, repeated: int = 1) -> str:
    """One cell as Calc writes it: dates typed as dates (shown m/d/yy), text as text."""
    span = f' table:number-columns-repeated="{repeated}"' if repeated > 1 else ""
    if value is None or value == "":
        return f"<table:table-cell{span}/>"
    if isinstance(value, dt.date):
        shown = f"{value.month:02}/{value.day:02}/{value.year % 100:02}"
        return (
            f'<table:table-cell{span} office:value-type="date" '
            f'office:date-value="{value.isoformat()}"><text:p>{shown}</text:p></table:table-cell>'
        )
    return (
        f'<table:table-cell{span} office:value-type="string">'
        f"<text:p>{escape(str(value))}</text:p></table:table-cell>"
    )


def row(*values: object, repeated: int = 1) -> str:
    """A row of cells, padded with Calc's empty "repeated" cells to the sheet's width."""
    span = f' table:number-rows-repeated="{repeated}"' if repeated > 1 else ""
    cells = "".join(cell(value) for value in values)
    rest = SHEET_COLUMNS - len(values)
    return f"<table:table-row{span}>{cells}{cell(None, repeated=rest)}</table:table-row>"


def content(rows_xml: str, *, doctype: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}'
        f'<office:document-content {_NAMESPACES} office:version="1.3"><office:body>'
        f'<office:spreadsheet><table:table table:name="Sheet1">'
        f'<table:table-column table:number-columns-repeated="{SHEET_COLUMNS}"/>'
        f"{rows_xml}</table:table></office:spreadsheet></office:body></office:document-content>"
    ).encode()


def package(content_xml: bytes, *, mimetype: str = MIMETYPE) -> bytes:
    """The zip: "mimetype" first and stored, as OpenDocument requires, then the parts."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype)
        archive.writestr("META-INF/manifest.xml", _MANIFEST.format(mimetype=mimetype))
        archive.writestr("content.xml", content_xml, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def spreadsheet(*rows: tuple, header: tuple = HEADER, above: tuple = ()) -> bytes:
    """A recipient file saved by LibreOffice Calc: `above` are rows before the header."""
    used = [*above, header, *rows]
    rows_xml = "".join(row(*values) for values in used)
    rows_xml += row(repeated=SHEET_ROWS - len(used))  # the sheet's unused rows, all empty
    return package(content(rows_xml))


def repeated_values(rows: int, columns: int) -> bytes:
    """A small file declaring rows x columns cells that all hold "x"."""
    header = row(*HEADER)
    many = (
        f'<table:table-row table:number-rows-repeated="{rows}">'
        f'<table:table-cell table:number-columns-repeated="{columns}" '
        f'office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>'
    )
    return package(content(header + many))


def far_corner(row_number: int, column_number: int) -> bytes:
    """One recipient, and a single value at (row_number, column_number): the used range
    is the whole rectangle between."""
    top = row(*HEADER) + row("John", "Smith", dt.date(1990, 1, 2), "john.smith@example.com")
    gap = f'<table:table-row table:number-rows-repeated="{row_number - 3}"><table:table-cell/>'
    gap += "</table:table-row>"
    corner = (
        f'<table:table-row><table:table-cell table:number-columns-repeated="{column_number - 1}"/>'
        f"{cell('x')}</table:table-row>"
    )
    return package(content(top + gap + corner))


def entity_expansion() -> bytes:
    """A "billion laughs" content.xml: ten levels of entities, each ten of the one below."""
    entities = '<!ENTITY l0 "ha">' + "".join(
        f'<!ENTITY l{level} "{f"&l{level - 1};" * 10}">' for level in range(1, 10)
    )
    doctype = f"<!DOCTYPE office:document-content [{entities}]>"
    return package(
        content(row(*HEADER) + row("&l9;", "Smith", "1/2/1990", "a@b.c"), doctype=doctype)
    )


def text_document() -> bytes:
    """An OpenDocument text (.odt): a zip with content.xml, but no table."""
    return package(content(""), mimetype="application/vnd.oasis.opendocument.text")


def numbers_package() -> bytes:
    """The outline of an Apple Numbers file (Numbers '13 and later): Index/*.iwa parts."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Index/Document.iwa", b"\x00\x1d\x00\x00")
        archive.writestr("Index/Tables/DataList.iwa", b"\x00\x10\x00\x00")
        archive.writestr("Metadata/Properties.plist", b"bplist00")
        archive.writestr("preview.jpg", b"\xff\xd8\xff")
    return buffer.getvalue()
