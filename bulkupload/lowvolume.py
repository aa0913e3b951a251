"""The Low Volume tab: upload, review each row, then Create Records (guide, "Upload a Low
Volume File"). The file waits in an Upload row with status "preview", tied to the manager who
uploaded it and their location, until they create or cancel, or it expires.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from providers.models import Location, User

from .engine import read_table, scan_table
from .imports import Preview, preview_file, process_upload, queue_upload_summary, store_upload
from .models import Upload

PREVIEW_EXPIRES_AFTER = dt.timedelta(hours=1)


def start_preview(data: bytes, file_name: str, *, location: Location, user: User) -> Upload:
    """Keep the file for review. Raises FileRejected (nothing kept) for a whole-file problem."""
    preview = preview_file(data, max_rows=settings.LOW_VOLUME_MAX_ROWS)
    return store_upload(
        data,
        file_name=file_name,
        location=location,
        user=user,
        source=Upload.Source.LOW_VOLUME,
        status=Upload.Status.PREVIEW,
        rows=len(preview.rows),
    )


def _awaiting_review(user: User, location: Location, upload_id: int):
    """This manager's file uploaded here, not created or cancelled yet, and still fresh."""
    return Upload.objects.filter(
        pk=upload_id,
        location=location,
        uploaded_by=user,
        status=Upload.Status.PREVIEW,
        created_at__gte=timezone.now() - PREVIEW_EXPIRES_AFTER,
    )


def get_preview_or_404(user: User, location: Location, upload_id: int) -> Upload:
    upload = _awaiting_review(user, location, upload_id).select_related("location").first()
    if upload is None:
        raise Http404("No such file awaiting review.")
    return upload


def review(upload: Upload) -> Preview:
    return preview_file(bytes(upload.content), max_rows=settings.LOW_VOLUME_MAX_ROWS)


def create_records(user: User, location: Location, upload_id: int) -> Upload:
    """Create the reviewed file's valid rows, once: a second click, a resubmitted form or a
    second tab finds the file no longer awaiting review and creates nothing."""
    claimed = _awaiting_review(user, location, upload_id).update(status=Upload.Status.QUEUED)
    upload = Upload.objects.filter(pk=upload_id, location=location, uploaded_by=user).first()
    if upload is None:
        raise Http404("No such upload.")
    if not claimed:
        return upload  # already created (or being created) by the first click
    process_upload(upload)
    upload.refresh_from_db()
    if upload.failed_count:
        queue_upload_summary(upload)
    return upload


EDITABLE_FIELDS = ("first_name", "last_name", "date_of_birth", "email")
_CELL_MAX_LENGTH = 254


def apply_corrections(data: bytes, corrections: dict[int, dict[str, str]]) -> bytes:
    """The file with the cells the manager corrected on the review page replaced.

    `corrections` maps a line number to new values of the template's fields. Every other cell
    and row is kept as it was, so line numbers do not move; the result is CSV (UTF-8).
    """
    table = read_table(data, max_bytes=settings.UPLOAD_MAX_BYTES)
    header, _ = scan_table(table, max_rows=settings.LOW_VOLUME_MAX_ROWS)
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
    preview = preview_file(data, max_rows=settings.LOW_VOLUME_MAX_ROWS)
    upload.content = data
    upload.content_sha256 = hashlib.sha256(data).hexdigest()
    upload.rows = len(preview.rows)
    upload.save(update_fields=["content", "content_sha256", "rows"])


def cancel_preview(user: User, location: Location, upload_id: int) -> None:
    """CANCEL removes the file: nothing of it is kept."""
    if not _delete_previews(_awaiting_review(user, location, upload_id)):
        raise Http404("No such file awaiting review.")


def purge_expired_previews(now: dt.datetime | None = None) -> int:
    """Files uploaded for review and then abandoned are not kept."""
    now = now or timezone.now()
    return _delete_previews(
        Upload.objects.filter(
            status=Upload.Status.PREVIEW, created_at__lt=now - PREVIEW_EXPIRES_AFTER
        )
    )


def _delete_previews(previews: QuerySet[Upload]) -> int:
    """Delete files still awaiting review, and only those.

    The rows are locked first: a CREATE RECORDS claiming one of them at the same moment either
    commits first (the file is no longer awaiting review, and it and its recipients stay) or
    finds it gone. An upload that created recipients is never deleted.

    Nothing points to a file awaiting review (recipients and emails come only after CREATE
    RECORDS claims it), so it is deleted without Django's look-ups of rows that might, which
    would scan the recipients and emails: neither is indexed by upload.
    """
    with transaction.atomic():
        ids = list(
            previews.filter(status=Upload.Status.PREVIEW)
            .select_for_update()
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(Upload._meta.db_table)
            marks = ", ".join(["%s"] * len(ids))
            cursor.execute(f"DELETE FROM {table} WHERE id IN ({marks})", ids)  # noqa: S608
            return cursor.rowcount


def earlier_upload_of_same_file(upload: Upload) -> Upload | None:
    """The last time these exact bytes were uploaded to this location, if ever (a warning:
    the manager may be uploading the same file twice)."""
    return (
        Upload.objects.filter(location=upload.location, content_sha256=upload.content_sha256)
        .exclude(pk=upload.pk)
        .exclude(status=Upload.Status.PREVIEW)
        .select_related("uploaded_by")
        .defer("content", "error_file")
        .order_by("-created_at")
        .first()
    )
