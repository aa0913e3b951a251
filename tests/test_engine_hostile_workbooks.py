"""Workbooks built to make the reader work: the engine bounds its work by what the file holds,
not by what it declares, and refuses the rest with a clear message. (How fast: bench/hostile.py;
these tests say what is refused, not how quickly.)"""

import io
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bulkupload.engine import FileRejected, read_table, reading, scan_table
from devsupport.hostile import (
    ONE_PERSON,
    declaring_everything,
    many_cells,
    many_shared_strings,
    sparse,
    template,
)


def test_a_sheet_declaring_a_million_rows_and_16384_columns_is_read_as_it_is():
    header, rows = scan_table(read_table(declaring_everything(template(ONE_PERSON))), max_rows=5)
    assert (header.line, rows) == (1, 1)


def test_a_row_a_million_rows_down_is_refused():
    data = sparse(template(ONE_PERSON))
    assert len(data) < 10_000
    with pytest.raises(FileRejected, match="rows far below the others, after 1,048,573 empty"):
        scan_table(read_table(data), max_rows=5000)


def test_a_few_empty_rows_between_recipients_are_kept_as_lines():
    rows = list(read_table(sparse(template(ONE_PERSON), last_row=40)).rows())
    assert len(rows) == 40 and rows[-1] == ["Zed"] and rows[5] == []


def test_millions_of_shared_strings_are_refused_before_they_are_loaded():
    data = many_shared_strings(template(ONE_PERSON), reading.MAX_XLSX_STRINGS + 1)
    assert len(data) < 200_000
    with pytest.raises(FileRejected) as rejected:
        read_table(data)
    assert rejected.value.message == reading.XLSX_TOO_MANY_CELLS


def test_a_sheet_of_too_many_cells_is_refused_before_it_is_read():
    with pytest.raises(FileRejected) as rejected:
        read_table(many_cells(template(ONE_PERSON), reading.MAX_XLSX_CELLS + 1))
    assert rejected.value.message == reading.XLSX_TOO_MANY_CELLS


def test_the_largest_real_upload_is_far_from_the_bounds():
    rows = [(f"Ann{i}", "Lee", "1/2/1990", f"a{i}@example.com") for i in range(5000)]
    _, count = scan_table(read_table(template(*rows)), max_rows=5000)
    assert count == 5000


@given(
    parts=st.lists(st.sampled_from([b"<c ", b"<c>", b"<si>", b"x", b"<", b"c", b" "]), max_size=60),
    chunk=st.integers(min_value=1, max_value=9),
)
def test_counting_marks_a_chunk_at_a_time_misses_none_and_counts_none_twice(parts, chunk):
    xml = b"".join(parts)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("x.xml", xml)
    marks = (b"<c ", b"<c>", b"<si>")
    with zipfile.ZipFile(buffer) as archive:
        counted = reading._count(archive, "x.xml", marks, chunk_size=chunk)
    assert counted == sum(xml.count(mark) for mark in marks)
