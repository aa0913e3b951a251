"""Step 5: the report of a file: counts, each failed line's message, and the error file.

`Tally` adds up a file's batches as they are checked (and, in an import, written) into an
`ImportResult`, which is everything the screens, the command line and the error file need.
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

    def as_dict(self) -> dict:
        """The command line's JSON (DESIGN.md, "Outside contract"). `skipped` is new: the
        lines left out that are no recipient (the template's example), each with why; the
        other keys keep their meaning."""
        return {
            "rows": self.rows,
            "created": self.created,
            "failed": self.failed,
            "placeholder_emails": self.placeholder_emails,
            "errors": [{"line": error.line, "message": error.message} for error in self.errors],
            "skipped": [
                {"line": line, "message": example_notice((line,))} for line in self.examples
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
    ) -> None:
        self.result = ImportResult(
            rows=rows, dry_run=dry_run, valid_rows=[] if keep_rows else None, examples=examples
        )
        self._error_file = ErrorFile(header)

    def add(
        self, created: list[CleanRow], errors: Iterable[RowError], *, placeholder_emails: int = 0
    ) -> ImportResult:
        """Count a batch: the rows created (or, in a dry run, that would be) and those failed;
        `placeholder_emails` of those created have a placeholder address and are not emailed."""
        result = self.result
        errors = sorted(errors, key=lambda error: error.line)
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
) -> ImportResult:
    """What an import would make of the file, row by row, writing nothing.

    Raises FileRejected for a whole-file problem. `keep_rows` keeps the rows that would be
    created, for a review of every row.
    """
    validation = validate_file(
        data, max_rows=max_rows, today=today, existing=existing, max_bytes=max_bytes
    )
    return dry_run_report(validation, keep_rows=keep_rows)


def dry_run_report(validation: Validation, *, keep_rows: bool = False) -> ImportResult:
    """Every batch of a checked file counted at once, as a dry run: nothing is written."""
    tally = Tally(
        validation.header,
        validation.rows,
        dry_run=True,
        keep_rows=keep_rows,
        examples=validation.examples,
    )
    for batch in validation.batches:
        tally.add(batch.rows, batch.errors)
    return tally.close()
