"""The Low Volume tab: upload, review each row, then Create Records (guide, "Upload a Low
Volume File"). The file waits in an Upload row with status "preview", tied to the manager who
uploaded it and their location, until they create or cancel, or it expires.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from audit.models import AuditEvent
from audit.trail import record
from providers.models import Location, User

from .engine import FIELDS, dry_run_report, read_table, scan_table, validate_file
from .engine.warnings import RowWarning, row_warnings
from .jobs import run_job, store_upload
from .models import Upload
from .writer import loaded_people

SOURCE = Upload.Source.LOW_VOLUME


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


@dataclass(frozen=True)
class Preview:
    rows: list[PreviewRow]

    @property
    def valid(self) -> int:
        return sum(1 for row in self.rows if not row.error)

    @property
    def failed(self) -> int:
        return len(self.rows) - self.valid

    @property
    def warned(self) -> int:
        return sum(1 for row in self.rows if row.warnings)


def preview_file(data: bytes) -> Preview:
    """What Create Records would do to each row, without writing anything: the engine's
    verdict, and the warnings that do not block. Raises FileRejected for a whole-file problem.
    """
    validation = validate_file(
        data,
        max_rows=Upload.max_rows_for(SOURCE),
        max_bytes=settings.UPLOAD_MAX_BYTES,
        today=timezone.localdate(),
        existing=loaded_people,
    )
    result = dry_run_report(validation, keep_rows=True)
    valid, errors = result.valid_rows, result.errors
    warnings = row_warnings(valid, loaded_people)
    columns = [validation.header.columns[field] for field in FIELDS]
    rows = [_preview_row(row.line, row.cells, columns, "", warnings) for row in valid]
    rows += [_preview_row(e.line, e.cells, columns, e.message, {}) for e in errors]
    rows.sort(key=lambda row: row.line)
    return Preview(rows)


def _preview_row(
    line: int,
    cells: list[str],
    columns: list[int],
    error: str,
    warnings: dict[int, list[RowWarning]],
) -> PreviewRow:
    """The row's template cells as uploaded (trimmed; a short row has blanks)."""
    values = [cells[index].strip() if index < len(cells) else "" for index in columns]
    return PreviewRow(
        line, *values, error=error, warnings=tuple(w.message for w in warnings.get(line, ()))
    )


def start_preview(data: bytes, file_name: str, *, location: Location, user: User) -> Upload:
    """Keep the file for review. Raises FileRejected (nothing kept) for a whole-file problem."""
    preview = preview_file(data)
    return store_upload(
        data,
        file_name=file_name,
        location=location,
        user=user,
        source=SOURCE,
        status=Upload.Status.PREVIEW,
        rows=len(preview.rows),
    )


def get_preview_or_404(user: User, location: Location, upload_id: int) -> Upload:
    upload = (
        Upload.objects.awaiting_review_by(user, location)
        .select_related("location")
        .filter(pk=upload_id)
        .first()
    )
    if upload is None:
        raise Http404("No such file awaiting review.")
    return upload


def review(upload: Upload) -> Preview:
    return preview_file(bytes(upload.content))


def create_records(user: User, location: Location, upload_id: int) -> Upload:
    """Create the reviewed file's valid rows, once: a second click, a resubmitted form or a
    second tab finds the file no longer awaiting review and creates nothing."""
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


def correct_preview(upload: Upload, corrections: dict[int, dict[str, str]]) -> None:
    """Re-check the file with the corrections; raises FileRejected (file unchanged) if the
    corrected file is no longer usable (every row emptied, say)."""
    data = apply_corrections(bytes(upload.content), corrections)
    preview = preview_file(data)
    upload.content = data
    upload.content_sha256 = hashlib.sha256(data).hexdigest()
    upload.rows = len(preview.rows)
    upload.save(update_fields=["content", "content_sha256", "rows"])
    record(
        AuditEvent.Action.ROWS_CORRECTED,
        actor=upload.uploaded_by,
        target=f"upload {upload.pk}",
        detail=f"lines {', '.join(str(line) for line in sorted(corrections))}",
    )


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
