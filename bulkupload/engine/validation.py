"""The engine's entry point: bytes in, whole-file checks first, then batches of checked rows.

Nothing here touches the database: who is loaded already is asked of the `existing` function
the caller passes, once per batch.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from recipients.names import visible_character

from .cleaning import CleanRow, RowError, clean_row
from .duplicates import ExistingPeople, Person, duplicate_error
from .headers import HEADER_SEARCH_ROWS, Header, find_header
from .reading import FileRejected, Row, Table, read_table
from .template import EXAMPLE, is_example

BATCH_SIZE = 1000
NO_RECIPIENTS = "The file has a header row but no recipients below it."
ONLY_THE_EXAMPLE = (
    f"The file has only the template's example row ({EXAMPLE['first_name']} "
    f"{EXAMPLE['last_name']}), which is never imported. Enter your recipients below the "
    "header row and upload the file again."
)


class TooManyRows(FileRejected):
    """More rows than the door the file came in by takes (the Low Volume tab: 100); `rows`
    is how many the file has, so a door can offer one that takes them."""

    def __init__(self, message: str, *, rows: int) -> None:
        super().__init__(message)
        self.rows = rows


@dataclass
class Batch:
    """Consecutive rows of the file: the new people to create, and the rows that failed."""

    rows: list[CleanRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


@dataclass
class Validation:
    """A file that passed the whole-file checks. `batches` is a one-shot stream."""

    header: Header
    rows: int  # non-blank rows below the header
    batches: Iterator[Batch]
    # Lines that are the template's example row left in (skipped: not a recipient, not an
    # error; the result says so, or a manager wonders where "Jane Example" went).
    examples: tuple[int, ...] = ()


def validate_file(
    data: bytes,
    *,
    max_rows: int,
    today: dt.date,
    existing: ExistingPeople,
    max_bytes: int | None = None,
    batch_size: int = BATCH_SIZE,
) -> Validation:
    """Check the file as a whole (raising FileRejected), then stream its rows in batches.

    Birth dates after `today` are invalid; `existing` says which people are loaded already.
    """
    table = read_table(data, max_bytes=max_bytes)
    examples: list[int] = []
    header, count = scan_table(table, max_rows=max_rows, examples=examples)
    batches = _batches(table, header, today, existing, batch_size)
    return Validation(header, count, batches, tuple(examples))


def scan_table(
    table: Table, *, max_rows: int, examples: list[int] | None = None
) -> tuple[Header, int]:
    """Find the header and count the rows: whole-file problems come out before any row does.
    The lines of the template's example row, skipped, are added to `examples`."""
    numbered = enumerate(table.rows(), start=1)
    top = [next(numbered, None) for _ in range(HEADER_SEARCH_ROWS)]
    header = find_header(row for row in top if row is not None)
    count = sum(1 for _ in _data_rows(header, itertools.chain(top, numbered), examples))
    if count == 0:
        examples = any(is_example(cells, header) for cells in table.rows())
        raise FileRejected(ONLY_THE_EXAMPLE if examples else NO_RECIPIENTS)
    if count > max_rows:
        raise TooManyRows(
            f"The file has {count:,} recipients; at most {max_rows:,} can be uploaded at a "
            "time here. Split it into smaller files.",
            rows=count,
        )
    return header, count


def _data_rows(
    header: Header, numbered: Iterable[tuple[int, Row] | None], examples: list[int] | None = None
) -> Iterator[tuple[int, Row]]:
    """The recipients' rows: below the header, showing anything, and not the template's example.

    Excel saves rows of empty cells (",,,"); a row of only invisible characters (a stray
    zero-width space) is as empty.
    """
    ignored = header.error_columns
    email, example_email = header.columns["email"], EXAMPLE["email"]
    for item in numbered:
        if item is None:
            continue
        line, cells = item
        if line <= header.line:
            continue
        if ignored:
            if not any(visible_character(cell) for i, cell in enumerate(cells) if i not in ignored):
                continue
        # The common case first: a first cell of ASCII that is not blank shows.
        elif not (
            (cells and cells[0].isascii() and cells[0].strip())
            or any(map(visible_character, cells))
        ):
            continue
        # The example's email first: a string comparison per row, not a call.
        if (
            email < len(cells)
            and cells[email].strip() == example_email
            and is_example(cells, header)
        ):
            if examples is not None:
                examples.append(line)
            continue
        yield line, cells


def _batches(
    table: Table, header: Header, today: dt.date, existing: ExistingPeople, batch_size: int
) -> Iterator[Batch]:
    seen: dict[Person, int] = {}  # each person's first line
    batch = Batch()
    for line, cells in _data_rows(header, enumerate(table.rows(), start=1)):
        result = clean_row(line, cells, header, today)
        if isinstance(result, RowError):
            batch.errors.append(result)
        elif (earlier := seen.get(result.person)) is not None:
            batch.errors.append(duplicate_error(result, header, earlier))
        else:
            seen[result.person] = line
            batch.rows.append(result)
        if len(batch.rows) + len(batch.errors) >= batch_size:
            yield _without_existing(batch, header, existing)
            batch = Batch()
    if batch.rows or batch.errors:
        yield _without_existing(batch, header, existing)


def _without_existing(batch: Batch, header: Header, existing: ExistingPeople) -> Batch:
    found = existing({row.person for row in batch.rows}) if batch.rows else set()
    if found:
        where = found if isinstance(found, Mapping) else {}
        batch.errors += [
            duplicate_error(row, header, loaded=where.get(row.person))
            for row in batch.rows
            if row.person in found
        ]
        batch.errors.sort(key=lambda error: error.line)
        batch.rows = [row for row in batch.rows if row.person not in found]
    return batch
