"""Step 5 (part): the error file a provider fixes in Excel and uploads again.

The same columns as uploaded, in the same order, with the original cell values, only the failed
rows, and a final "Error" column. An "Error" column of an earlier error file is left out, so the
file can go round as many times as needed. Written as UTF-8 with a BOM: without it Excel on
Windows shows José as JosÃ©.
"""

from __future__ import annotations

import codecs
import csv
import io

from .cleaning import RowError
from .columns import ERROR_COLUMN
from .headers import Header

# Excel runs a cell that starts with one of these as a formula (CSV injection). A leading
# apostrophe makes it plain text; it is the neutralisation OWASP recommends.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


class ErrorFile:
    def __init__(self, header: Header) -> None:
        self._keep = [i for i in range(len(header.cells)) if i not in header.error_columns]
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")
        self._writer.writerow([neutralise(header.cells[i]) for i in self._keep] + [ERROR_COLUMN])

    def add(self, error: RowError) -> None:
        cells = error.cells
        row = [neutralise(cells[i]) if i < len(cells) else "" for i in self._keep]
        self._writer.writerow([*row, error.message])

    def getvalue(self) -> bytes:
        return codecs.BOM_UTF8 + self._buffer.getvalue().encode("utf-8")
