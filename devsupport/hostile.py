"""Workbooks built to make a reader work, for the tests and the bench: small files that
declare or hold far more than any recipient file (issue "Hardening")."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

import openpyxl

SHEET = "xl/worksheets/sheet1.xml"
HEADER = ("FirstName", "LastName", "Date of birth", "Email")
ONE_PERSON = ("John", "Smith", "1/2/1990", "john.smith@example.com")


def template(*rows: tuple) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in (HEADER, *rows):
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rewritten(data: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    """The workbook with one of its parts changed."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            content = source.read(entry.filename)
            target.writestr(entry.filename, change(content) if entry.filename == name else content)
    return out.getvalue()


def declaring_everything(data: bytes) -> bytes:
    """The sheet declares A1:XFD1048576 (16,384 columns, 1,048,576 rows)."""
    return rewritten(
        data,
        SHEET,
        lambda xml: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', xml),
    )


def sparse(data: bytes, last_row: int = 1_048_576) -> bytes:
    """Declaring everything, and one more row at `last_row`."""
    row = f'<row r="{last_row}"><c r="A{last_row}" t="inlineStr"><is><t>Zed</t></is></c></row>'
    return rewritten(
        declaring_everything(data),
        SHEET,
        lambda xml: xml.replace(b"</sheetData>", row.encode() + b"</sheetData>"),
    )


def many_shared_strings(data: bytes, count: int) -> bytes:
    """With a shared-strings part of `count` empty strings (a few bytes each, packed)."""
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"<sst>" + b"<si><t/></si>" * count + b"</sst>")
    return buffer.getvalue()


def many_cells(data: bytes, count: int) -> bytes:
    """With a row of `count` cells."""
    cells = b'<c t="inlineStr"><is><t>x</t></is></c>' * count
    return rewritten(
        data,
        SHEET,
        lambda xml: xml.replace(b"</sheetData>", b'<row r="9">' + cells + b"</row></sheetData>"),
    )
