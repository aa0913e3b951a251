"""How fast hostile workbooks (.xlsx and .ods) are refused (make bench): each is a few KB
that declares or holds far more than any recipient file. Before the engine bounded its
reading, the sparse one did not finish in 100 s and the shared-strings one took 15-32 s; the
issue's target is under 2 s."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bulkupload.engine import FileRejected, read_table, reading, scan_table  # noqa: E402
from devsupport import opendocument  # noqa: E402
from devsupport.hostile import (  # noqa: E402
    ONE_PERSON,
    many_cells,
    many_shared_strings,
    sparse,
    template,
)

RUNS = 5
CASES = {
    "rows 1, 2 and 1,048,576 of A1:XFD1048576": sparse(template(ONE_PERSON)),
    "2.9 million shared strings": many_shared_strings(template(ONE_PERSON), 2_900_000),
    f"{reading.MAX_XLSX_CELLS + 1:,} cells in a row": many_cells(
        template(ONE_PERSON), reading.MAX_XLSX_CELLS + 1
    ),
    # OpenDocument (.ods): calamine alone took 12 s and 1.3 GB for 10 million repeated cells.
    ".ods: 100,000 x 1,000 repeated cells": opendocument.repeated_values(100_000, 1_000),
    ".ods: one value at row 1,048,576, col 1,024": opendocument.far_corner(1_048_576, 1_024),
    ".ods: billion laughs": opendocument.entity_expansion(),
}


def refuse(data: bytes) -> str:
    try:
        scan_table(read_table(data), max_rows=5000)
    except FileRejected as rejection:
        return rejection.message
    return "ACCEPTED"


def main() -> None:
    print(f"{'hostile workbook':44} {'file KB':>8} {'median s':>9}  answer")
    for label, data in CASES.items():
        times, answer = [], ""
        for _ in range(RUNS):
            started = time.perf_counter()
            answer = refuse(data)
            times.append(time.perf_counter() - started)
        print(f"{label:44} {len(data) / 1024:8.1f} {statistics.median(times):9.3f}  {answer[:50]}")


if __name__ == "__main__":
    main()
