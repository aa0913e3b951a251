"""The Low Volume tab: upload, review each row, then Create Records (guide, "Upload a Low
Volume File"). The file waits in an Upload row with status "preview", tied to the manager who
uploaded it and their location, until they create or cancel, or it expires.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Collection
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from audit.models import AuditEvent
from audit.trail import record
from providers.models import Location, User
from recipients.placeholders import is_placeholder_email

from .changes import accept_changes
from .elsewhere import allow_finding_elsewhere, record_found_elsewhere
from .engine import (
    FIELDS,
    AlreadyLoaded,
    DuplicateRow,
    Person,
    RowError,
    date_of_birth_problem,
    dry_run_report,
    read_table,
    scan_table,
    validate_file,
)
from .engine.cleaning import CleanRow
from .engine.lookalikes import RowWarning, row_warnings
from .engine.reconcile import CHANGE, REGISTERED, UNCHANGED
from .engine.report import example_notice
from .jobs import keep_for_uploader, run_job
from .models import Upload
from .writer import loaded_people, loaded_people_at

SOURCE = Upload.Source.LOW_VOLUME
PLACEHOLDER_WARNING = (
    "This email address is a placeholder that nobody reads: the record will be created, but no "
    "welcome email will be sent. Enter the recipient's own address if you have it."
)

# Where the same person was found, for a duplicate row (PreviewRow.duplicate).
HERE, ELSEWHERE, IN_FILE = "here", "elsewhere", "in_file"
_SAME_PERSON = "The same first name, last name and date of birth"
_DUPLICATE_EXPLANATIONS = {
    HERE: f"{_SAME_PERSON} are already loaded at this location (see Loaded Recipients).",
    # Never where: which location a person is registered at is not this manager's to know.
    ELSEWHERE: f"{_SAME_PERSON} are already loaded elsewhere in the system. A person is "
    "loaded only once.",
    IN_FILE: f"{_SAME_PERSON} are earlier in this file, on line {{line}}. The person is "
    "created once.",
}


@dataclass(frozen=True)
class PreviewRow:
    """One row of a file as the review screen shows it: the cells read, and its fate."""

    line: int
    first_name: str
    last_name: str
    date_of_birth: str
    email: str
    error: str  # empty when the row will be created
    warnings: tuple[str, ...] = ()
    # Beside the guide's message, in plain words: why the row fails.
    explanations: tuple[str, ...] = ()
    duplicate: str = ""  # HERE, ELSEWHERE or IN_FILE for a duplicate row
    suggested_email: str = ""  # what a typo warning thinks the address meant
    # The row found a person loaded at another location (a duplicate, or a day and month
    # swapped): what a manager may learn only so often (PREVIEW_ELSEWHERE_RATE).
    found_elsewhere: bool = False
    # The person is loaded at this location already (engine/reconcile.py): UNCHANGED, CHANGE
    # (an email change to review: "Email: old → new") or REGISTERED; neither created nor failed.
    reconciled: str = ""
    change: str = ""

    @property
    def will_be_created(self) -> bool:
        return not self.error and not self.reconciled

    @property
    def already_loaded(self) -> bool:
        return self.reconciled in (UNCHANGED, REGISTERED)

    @property
    def to_review(self) -> bool:
        return self.reconciled == CHANGE

    @property
    def editable(self) -> bool:
        """Correction inputs are for rows a manager can fix: failed rows but duplicates (the
        person is loaded already), and rows with warnings."""
        return bool(self.warnings) if not self.error else not self.duplicate


@dataclass(frozen=True)
class Preview:
    rows: list[PreviewRow]
    examples: tuple[int, ...] = ()  # lines of the template's example row, skipped

    @property
    def example_notice(self) -> str:
        return example_notice(self.examples)

    @property
    def valid(self) -> int:
        return sum(1 for row in self.rows if row.will_be_created)

    @property
    def failed(self) -> int:
        return sum(1 for row in self.rows if row.error)

    @property
    def already_loaded(self) -> int:
        return sum(1 for row in self.rows if row.already_loaded)

    @property
    def to_review(self) -> int:
        return sum(1 for row in self.rows if row.to_review)

    @property
    def nothing_to_do(self) -> bool:
        """CREATE RECORDS would create nothing and change nothing."""
        return not self.valid and not self.to_review

    @property
    def warned(self) -> int:
        return sum(1 for row in self.rows if row.warnings)

    @property
    def editable(self) -> bool:
        return any(row.editable for row in self.rows)

    @property
    def duplicates(self) -> int:
        return sum(1 for row in self.rows if row.duplicate)

    def row(self, line: int) -> PreviewRow | None:
        return next((row for row in self.rows if row.line == line), None)

    def fates(self) -> dict[int, bool]:
        """Each line, and whether it will be created."""
        return {row.line: row.will_be_created for row in self.rows}

    def found_elsewhere(self, lines: set[int] | None = None) -> int:
        """How many rows (of these lines, or all) found people loaded at other locations."""
        return sum(
            1 for row in self.rows if row.found_elsewhere and (lines is None or row.line in lines)
        )


def preview_file(data: bytes, location: Location) -> Preview:
    """What Create Records would do to each row, without writing anything: the engine's
    verdict, the warnings that do not block, and why each row fails. Raises FileRejected for
    a whole-file problem.
    """
    today = timezone.localdate()
    validation = validate_file(
        data,
        max_rows=Upload.max_rows_for(SOURCE),
        max_bytes=settings.UPLOAD_MAX_BYTES,
        today=today,
        existing=loaded_people,
    )
    result = dry_run_report(validation, keep_rows=True, location=location.pk)
    valid, errors = result.valid_rows, result.errors
    warnings = row_warnings(valid, loaded_people)
    _warn_of_placeholders(valid, warnings)
    here = loaded_people_at(_loaded_found(errors, warnings), location)
    columns = [validation.header.columns[field] for field in FIELDS]
    rows = [_valid_row(row.line, _cells(row.cells, columns), warnings, here) for row in valid]
    rows += [_failed_row(error, _cells(error.cells, columns), here, today) for error in errors]
    rows += [_reconciled_row(row, _cells(row.cells, columns)) for row in result.reconciled]
    rows.sort(key=lambda row: row.line)
    return Preview(rows, validation.examples)


def _warn_of_placeholders(rows: list[CleanRow], warnings: dict[int, list[RowWarning]]) -> None:
    """A row with a placeholder address is created, but not emailed: the review says so while
    the manager can still type the real address (here, not in the engine: it is a setting)."""
    for row in rows:
        if is_placeholder_email(row.email):
            warnings.setdefault(row.line, []).append(RowWarning(PLACEHOLDER_WARNING))


def _loaded_found(errors: list[RowError], warnings: dict[int, list[RowWarning]]) -> set[Person]:
    """The people already loaded that the file's rows found, wherever they are."""
    people = {e.person for e in errors if isinstance(e, DuplicateRow) and not e.in_file}
    people |= {w.loaded for ws in warnings.values() for w in ws if w.loaded is not None}
    return people


def _cells(cells: list[str], columns: list[int]) -> list[str]:
    """The row's template cells as uploaded (trimmed; a short row has blanks)."""
    return [cells[index].strip() if index < len(cells) else "" for index in columns]


def _valid_row(
    line: int, values: list[str], warnings: dict[int, list[RowWarning]], here: set[Person]
) -> PreviewRow:
    found = warnings.get(line, [])
    return PreviewRow(
        line,
        *values,
        error="",
        warnings=tuple(warning.message for warning in found),
        suggested_email=next((w.suggested_email for w in found if w.suggested_email), ""),
        found_elsewhere=any(w.loaded is not None and w.loaded not in here for w in found),
    )


def _reconciled_row(row: AlreadyLoaded, values: list[str]) -> PreviewRow:
    """A row of a person loaded here already: nothing to do, or a change to review."""
    return PreviewRow(
        row.line,
        *values,
        error="",
        reconciled=row.kind,
        change=row.change if row.kind != UNCHANGED else "",
    )


def _failed_row(
    error: RowError, values: list[str], here: set[Person], today: dt.date
) -> PreviewRow:
    if isinstance(error, DuplicateRow):
        where = IN_FILE if error.in_file else HERE if error.person in here else ELSEWHERE
        explanation = _DUPLICATE_EXPLANATIONS[where].format(line=error.earlier_line)
        return PreviewRow(
            error.line,
            *values,
            error=error.message,
            explanations=(explanation,),
            duplicate=where,
            found_elsewhere=where == ELSEWHERE,
        )
    born = values[FIELDS.index("date_of_birth")]
    why = date_of_birth_problem(born, today) if born else None
    explanations = (f"Date of birth: {why}",) if why else ()
    return PreviewRow(error.line, *values, error=error.message, explanations=explanations)


def start_preview(data: bytes, file_name: str, *, location: Location, user: User) -> Upload:
    """Keep the file for review. Raises FileRejected (nothing kept) for a whole-file problem,
    and elsewhere.FoundElsewhereTooOften (nothing kept) when the manager's files found people
    loaded at other locations too often lately."""
    preview = preview_file(data, location)
    found = preview.found_elsewhere()
    allow_finding_elsewhere(
        user, found, target=f"location {location.pin}", note=" The file was not kept."
    )
    upload = keep_for_uploader(
        data,
        file_name=file_name,
        location=location,
        user=user,
        source=SOURCE,
        rows=len(preview.rows),
    )
    record_found_elsewhere(user, found, target=f"upload {upload.pk}")
    return upload


def review(upload: Upload) -> Preview:
    return preview_file(bytes(upload.content), upload.location)


def create_records(
    user: User, location: Location, upload_id: int, *, accept: Collection[int] = ()
) -> Upload:
    """Create the reviewed file's valid rows, once: a second click, a resubmitted form or a
    second tab finds the file no longer awaiting review and creates nothing. The email changes
    of the lines in `accept` (the review's checkboxes, off by default) are made then; the
    others stay on the upload's page to review."""
    confirmed = (
        Upload.objects.awaiting_review_by(user, location)
        .filter(pk=upload_id)
        .update(status=Upload.Status.QUEUED)
    )
    if confirmed:
        run_job(upload_id)  # here and now: the alert that follows shows its counts
    upload = (
        Upload.objects.without_files()
        .filter(pk=upload_id, location=location, uploaded_by=user)
        .first()
    )
    if upload is None:
        raise Http404("No such upload.")
    if accept:
        accept_changes(upload, lines=accept, by=user)
    return upload


_CELL_MAX_LENGTH = 254


def apply_corrections(data: bytes, corrections: dict[int, dict[str, str]]) -> bytes:
    """The file with the cells the manager corrected on the review page replaced.

    `corrections` maps a line number to new values of the template's fields. Every other cell
    and row is kept as it was, so line numbers do not move; the result is CSV (UTF-8).
    """
    table = read_table(data, max_bytes=settings.UPLOAD_MAX_BYTES)
    header, _ = scan_table(table, max_rows=Upload.max_rows_for(SOURCE))
    width = len(header.cells)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for line, cells in enumerate(table.rows(), start=1):
        cells = list(cells)
        if line > header.line and line in corrections:
            cells += [""] * (width - len(cells))
            for field, value in corrections[line].items():
                cells[header.columns[field]] = value.strip()[:_CELL_MAX_LENGTH]
        writer.writerow(cells)
    return out.getvalue().encode("utf-8")


Corrections = dict[int, dict[str, str]]


def typed_corrections(preview: Preview, corrections: Corrections) -> Corrections:
    """The corrections that change something: cells of editable rows (a forged field for any
    other row is ignored) whose value differs from the file's."""
    typed: Corrections = {}
    for line, values in corrections.items():
        row = preview.row(line)
        if row is None or not row.editable:
            continue
        changed = {
            field: value
            for field, value in values.items()
            if field in FIELDS and value.strip() != getattr(row, field)
        }
        if changed:
            typed[line] = changed
    return typed


def _with_suggestion(preview: Preview, corrections: Corrections, line: int | None) -> Corrections:
    """The corrections, with the address a typo warning suggests for this line ("Use the
    suggestion"), as the review page worked it out: nothing the browser sends is trusted."""
    row = preview.row(line) if line is not None else None
    if row is None or not row.suggested_email:
        return corrections
    return {**corrections, line: {**corrections.get(line, {}), "email": row.suggested_email}}


def correct_preview(
    upload: Upload, corrections: Corrections, *, use_suggestion: int | None = None
) -> tuple[Preview, Preview]:
    """Re-check the file with the corrections typed on the review page (and the address
    suggested for line `use_suggestion`); the review before and after.

    Raises FileRejected (the file unchanged) if the corrected file is no longer usable (every
    row emptied, say), and FoundElsewhereTooOften if the corrected rows found people loaded at other
    locations once too often."""
    before = review(upload)
    typed = typed_corrections(before, _with_suggestion(before, corrections, use_suggestion))
    if not typed:
        return before, before
    data = apply_corrections(bytes(upload.content), typed)
    after = preview_file(data, upload.location)
    # Only the rows typed are new questions; the others were counted when first checked.
    found = after.found_elsewhere(set(typed))
    allow_finding_elsewhere(upload.uploaded_by, found, target=f"upload {upload.pk}")
    upload.content = data
    upload.content_sha256 = hashlib.sha256(data).hexdigest()
    upload.rows = len(after.rows)
    upload.save(update_fields=["content", "content_sha256", "rows"])
    record(
        AuditEvent.Action.ROWS_CORRECTED,
        actor=upload.uploaded_by,
        target=f"upload {upload.pk}",
        detail=f"lines {', '.join(str(line) for line in sorted(typed))}",
    )
    record_found_elsewhere(upload.uploaded_by, found, target=f"upload {upload.pk}")
    return before, after


def recheck_before_creating(
    user: User, location: Location, upload_id: int, corrections: Corrections
) -> int:
    """CREATE RECORDS with corrections typed and not re-checked: apply and check them first
    (never drop them). Returns how many rows the corrections change the fate of (created or
    not): the manager should see those before anything is created. 0 when there is nothing
    to check, or the file is no longer awaiting review (a second click: create_records says
    what became of it)."""
    upload = (
        Upload.objects.awaiting_review_by(user, location)
        .select_related("location", "uploaded_by")
        .filter(pk=upload_id)
        .first()
    )
    if upload is None:
        return 0
    before, after = correct_preview(upload, corrections)
    was, now = before.fates(), after.fates()
    return sum(1 for line in was.keys() | now.keys() if was.get(line) != now.get(line))


def cancel_preview(user: User, location: Location, upload_id: int) -> None:
    """CANCEL removes the file: nothing of it is kept."""
    previews = Upload.objects.awaiting_review_by(user, location).filter(pk=upload_id)
    if not _delete_previews(previews):
        raise Http404("No such file awaiting review.")


def purge_expired_previews(now: dt.datetime | None = None) -> int:
    """Files uploaded for review and then abandoned are not kept."""
    return _delete_previews(Upload.objects.expired_previews(now or timezone.now()))


def _delete_previews(previews: QuerySet[Upload]) -> int:
    """Delete files still awaiting review, and only those.

    The rows are locked first: a CREATE RECORDS claiming one of them at the same moment either
    commits first (the file is no longer awaiting review, and it and its recipients stay) or
    finds it gone. An upload that created recipients is never deleted (and the database
    refuses to delete one that anything points to).
    """
    with transaction.atomic():
        ids = list(
            previews.filter(status=Upload.Status.PREVIEW)
            .select_for_update()
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        deleted, _ = Upload.objects.filter(pk__in=ids).delete()
        return deleted


def earlier_upload_of_same_file(upload: Upload) -> Upload | None:
    """The last time these exact bytes were uploaded to this location, if ever (a warning:
    the manager may be uploading the same file twice)."""
    return (
        Upload.objects.submitted()
        .for_location(upload.location)
        .filter(content_sha256=upload.content_sha256)
        .exclude(pk=upload.pk)
        .without_files()
        .select_related("uploaded_by")
        .order_by("-created_at")
        .first()
    )
