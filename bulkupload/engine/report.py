"""Step 5: the report of a file: counts, each failed line's message, and the error file.

`Tally` adds up a file's batches as they are checked (and, in an import, written) into an
`ImportResult`, which is everything the screens, the command line and the error file need.
Rows of people loaded at the file's location already are reconciled (reconcile.py): counted
apart from created and failed, and left out of the error file.
`check_file` is the whole engine at once: what would become of each row, writing nothing
(`dry_run_report` does the counting, for a caller that needs the checked file too).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from .cleaning import CleanRow, RowError
from .duplicates import ExistingPeople
from .errorfile import ErrorFile
from .headers import Header
from .reconcile import CHANGE, UNCHANGED, AlreadyLoaded, reconcile
from .validation import Validation, validate_file


@dataclass
class ImportResult:
    """What became of a file. In a dry run `created` counts the rows that would be created."""

    rows: int
    created: int = 0
    failed: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_file: bytes | None = None
    dry_run: bool = False
    valid_rows: list[CleanRow] | None = None  # only when asked for (a review of every row)
    # Of `created`, those whose address is a known placeholder (recipients.placeholders): loaded,
    # but sent no welcome email. Counted by the pipeline, which knows the settings.
    placeholder_emails: int = 0
    # Lines of the template's example row, skipped: neither rows, created nor failed.
    examples: tuple[int, ...] = ()

    @property
    def example_notice(self) -> str:
        return example_notice(self.examples)

    # Rows of people loaded at this location already (neither created nor failed), in line
    # order: unchanged, a change of address to review, or registered with another address.
    reconciled: list[AlreadyLoaded] = field(default_factory=list)

    @property
    def already_loaded(self) -> int:
        """Rows with nothing to do: the person is loaded here, and nothing is to review."""
        return sum(1 for row in self.reconciled if row.kind != CHANGE)

    @property
    def changes(self) -> list[AlreadyLoaded]:
        """Rows whose address differs from the one on file (to review, or registered)."""
        return [row for row in self.reconciled if row.kind != UNCHANGED]

    @property
    def to_review(self) -> int:
        return sum(1 for row in self.reconciled if row.kind == CHANGE)

    def as_dict(self) -> dict:
        """The command line's JSON (DESIGN.md, "Outside contract"). `already_loaded` and
        `changes` are rows neither created nor failed; `skipped` the lines left out that are
        no recipient (the template's example), each with why. The other keys keep their
        meaning."""
        return {
            "rows": self.rows,
            "created": self.created,
            "failed": self.failed,
            "already_loaded": self.already_loaded,
            "placeholder_emails": self.placeholder_emails,
            "errors": [{"line": error.line, "message": error.message} for error in self.errors],
            "skipped": [
                {"line": line, "message": example_notice((line,))} for line in self.examples
            ],
            "changes": [
                {"line": row.line, "message": row.message, "to_review": row.reviewable}
                for row in self.changes
            ],
        }


def example_notice(lines: Iterable[int]) -> str:
    """ "Line 2 is the template's example and was skipped", or "" for none."""
    lines = list(lines)
    if not lines:
        return ""
    if len(lines) == 1:
        return f"Line {lines[0]} is the template's example and was skipped."
    numbers = ", ".join(str(line) for line in lines[:-1]) + f" and {lines[-1]}"
    return f"Lines {numbers} are the template's example and were skipped."


class Tally:
    """The running result of a file, batch by batch; `close()` adds the error file."""

    def __init__(
        self,
        header: Header,
        rows: int,
        *,
        dry_run: bool = False,
        keep_rows: bool = False,
        examples: tuple[int, ...] = (),
        location: int | None = None,
    ) -> None:
        """`examples`: the lines of the template's example row, skipped; `location`: the id
        of the location the file is for, whose people already loaded are reconciled rather
        than failed (None: every one loaded is a duplicate)."""
        self.result = ImportResult(
            rows=rows, dry_run=dry_run, valid_rows=[] if keep_rows else None, examples=examples
        )
        self._error_file = ErrorFile(header)
        self._location = location

    def add(
        self, created: list[CleanRow], errors: Iterable[RowError], *, placeholder_emails: int = 0
    ) -> ImportResult:
        """Count a batch: the rows created (or, in a dry run, that would be) and those failed;
        `placeholder_emails` of those created have a placeholder address and are not emailed."""
        result = self.result
        reconciled, errors = reconcile(errors, self._location)
        errors.sort(key=lambda error: error.line)
        if reconciled:
            result.reconciled += sorted(reconciled, key=lambda row: row.line)
        result.created += len(created)
        result.placeholder_emails += placeholder_emails
        result.failed += len(errors)
        result.errors += errors
        for error in errors:
            self._error_file.add(error)
        if result.valid_rows is not None:
            result.valid_rows += created
        return result

    def close(self) -> ImportResult:
        if self.result.failed:
            self.result.error_file = self._error_file.getvalue()
        return self.result


def check_file(
    data: bytes,
    *,
    max_rows: int,
    today: dt.date,
    existing: ExistingPeople,
    max_bytes: int | None = None,
    keep_rows: bool = False,
    location: int | None = None,
) -> ImportResult:
    """What an import would make of the file, row by row, writing nothing.

    Raises FileRejected for a whole-file problem. `keep_rows` keeps the rows that would be
    created, for a review of every row; `location` reconciles the people loaded there.
    """
    validation = validate_file(
        data, max_rows=max_rows, today=today, existing=existing, max_bytes=max_bytes
    )
    return dry_run_report(validation, keep_rows=keep_rows, location=location)


def dry_run_report(
    validation: Validation, *, keep_rows: bool = False, location: int | None = None
) -> ImportResult:
    """Every batch of a checked file counted at once, as a dry run: nothing is written."""
    tally = Tally(
        validation.header,
        validation.rows,
        dry_run=True,
        keep_rows=keep_rows,
        examples=validation.examples,
        location=location,
    )
    for batch in validation.batches:
        tally.add(batch.rows, batch.errors)
    return tally.close()
