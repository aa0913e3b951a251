"""The one pipeline: every door a file comes in by (Low Volume, High Volume, the help desk, the
command line) runs the engine and the writer through `import_file` or `process_upload`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from providers.models import Location, User
from recipients.models import Recipient

from .engine import CleanRow, ErrorFile, FileRejected, RowError, validate_file
from .engine.duplicates import ExistingPeople, Person, duplicate_error, existing_people
from .engine.pipeline import BATCH_SIZE, Batch
from .engine.warnings import row_warnings
from .models import OutboundEmail, Upload
from .overlap import can_overlap, written
from .tasks import send_emails_after_commit
from .writer import WriteOutcome, create_recipients, plan_reference_checks_by_index

logger = logging.getLogger(__name__)


@dataclass
class ImportResult:
    """What became of a file: the counts, each failed line's message, and the error file.

    In a dry run `created` counts the rows that would be created.
    """

    rows: int
    created: int = 0
    failed: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_file: bytes | None = None
    dry_run: bool = False
    valid_rows: list[CleanRow] | None = None  # only when asked for (a preview)

    def as_dict(self) -> dict:
        """The command line's JSON (DESIGN.md, "Outside contract")."""
        return {
            "rows": self.rows,
            "created": self.created,
            "failed": self.failed,
            "errors": [{"line": error.line, "message": error.message} for error in self.errors],
        }


def _created_by(upload: Upload) -> set[tuple]:
    if upload.pk is None:
        return set()
    return set(
        Recipient.objects.active()
        .filter(upload=upload)
        .values_list("first_name_key", "last_name_key", "date_of_birth")
    )


def _nobody(people: Collection[Person]) -> set[Person]:
    return set()


def _excluding(existing: ExistingPeople, mine: set[tuple]) -> ExistingPeople:
    return lambda people: existing(people) - mine


def max_rows_for(source: str) -> int:
    """The row limit of the door a file came in by: Low Volume 100, the others 5,000."""
    if source == Upload.Source.LOW_VOLUME:
        return settings.LOW_VOLUME_MAX_ROWS
    return settings.HIGH_VOLUME_MAX_ROWS


def import_file(
    data: bytes,
    *,
    location: Location | None,
    user: User | None,
    max_rows: int,
    upload: Upload | None = None,
    dry_run: bool = False,
    keep_rows: bool = False,
    max_bytes: int | None = None,
    today: dt.date | None = None,
    existing: ExistingPeople | None = None,
    on_rows_counted: Callable[[int], None] | None = None,
    on_progress: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Check the file, create its new recipients batch by batch, and report.

    Raises FileRejected, before anything is written, for a whole-file problem. A crash
    part-way leaves the batches already written in place, each one whole.
    """
    if max_bytes is None:
        max_bytes = settings.UPLOAD_MAX_BYTES
    if existing is None:
        # A dry run asks the database who is loaded already; an import learns it from its
        # own inserts (writer.py), so it asks nobody first.
        existing = existing_people if dry_run else _nobody
    # A job taken over after its worker died runs the file again: the people it created the
    # first time are its own, not duplicates (they are counted as created, not written again).
    mine = _created_by(upload) if upload is not None and not dry_run else set()
    if mine:
        existing = _excluding(existing, mine)
    validation = validate_file(
        data, max_rows=max_rows, max_bytes=max_bytes, today=today, existing=existing
    )
    if on_rows_counted:
        on_rows_counted(validation.rows)
    result = ImportResult(rows=validation.rows, dry_run=dry_run)
    if keep_rows:
        result.valid_rows = []
    error_file = ErrorFile(validation.header)

    def write(batch: Batch) -> WriteOutcome | None:
        if dry_run or not batch.rows:
            return None
        assert location is not None, "only a dry run needs no location"  # noqa: S101
        return create_recipients(
            [row for row in batch.rows if row.person not in mine],
            location=location,
            user=user,
            upload=upload,
        )

    overlap = not dry_run and can_overlap(-(-validation.rows // BATCH_SIZE))
    for batch, outcome in written(validation.batches, write, overlap=overlap):
        errors = batch.errors
        created = batch.rows
        if outcome is not None:
            created = outcome.created + [row for row in batch.rows if row.person in mine]
            if outcome.duplicates:
                errors = sorted(
                    errors
                    + [duplicate_error(row, validation.header) for row in outcome.duplicates],
                    key=lambda error: error.line,
                )
        result.created += len(created)
        result.failed += len(errors)
        result.errors += errors
        for error in errors:
            error_file.add(error)
        if keep_rows:
            result.valid_rows += created
        if on_progress:
            on_progress(result)
    if result.failed:
        result.error_file = error_file.getvalue()
    if result.created and not dry_run:
        send_emails_after_commit()  # the welcome emails the writer queued
    return result


def process_upload(upload: Upload) -> ImportResult | None:
    """Run the pipeline for a stored upload and record the outcome on it.

    The caller claims the upload first (a task, a view, the command line). Returns None when
    the file was rejected as a whole (upload.problem says why). A crash marks the upload
    failed and is raised again, for the task to log and retry.
    """
    now = timezone.now()
    upload.status, upload.heartbeat_at = Upload.Status.RUNNING, now
    upload.started_at = upload.started_at or now  # a job taken over keeps its first start
    Upload.objects.filter(pk=upload.pk).update(
        status=upload.status, started_at=upload.started_at, heartbeat_at=now
    )

    def rows_counted(rows: int) -> None:
        upload.rows = rows
        Upload.objects.filter(pk=upload.pk).update(rows=rows)

    def progress(result: ImportResult) -> None:
        Upload.objects.filter(pk=upload.pk).update(
            processed=result.created + result.failed,
            created_count=result.created,
            failed_count=result.failed,
            heartbeat_at=timezone.now(),
        )

    try:
        result = import_file(
            bytes(upload.content),
            location=upload.location,
            user=upload.uploaded_by,
            upload=upload,
            max_rows=max_rows_for(upload.source),
            on_rows_counted=rows_counted,
            on_progress=progress,
        )
    except FileRejected as rejection:
        _finish(upload, status=Upload.Status.REJECTED, problem=rejection.message)
        logger.info("Upload %s rejected as a whole", upload.pk)
        return None
    except Exception:
        # Counts of what was already written are on the row (progress); say it stopped.
        upload.refresh_from_db(fields=["processed", "created_count", "failed_count"])
        _finish(
            upload,
            status=Upload.Status.FAILED,
            problem="Processing stopped because of an internal error. Recipients listed as "
            "created were created; upload the file again to process the rest.",
        )
        logger.exception("Upload %s failed", upload.pk)
        raise
    _finish(
        upload,
        status=Upload.Status.DONE,
        rows=result.rows,
        processed=result.created + result.failed,
        created_count=result.created,
        failed_count=result.failed,
        error_file=result.error_file,
    )
    logger.info(
        "Upload %s done: %s rows, %s created, %s failed",
        upload.pk,
        result.rows,
        result.created,
        result.failed,
    )
    return result


def _finish(upload: Upload, **fields) -> None:
    fields["finished_at"] = timezone.now()
    for name, value in fields.items():
        setattr(upload, name, value)
    Upload.objects.filter(pk=upload.pk).update(**fields)


def store_upload(
    data: bytes, *, file_name: str, location: Location, user: User, source: str, **fields
) -> Upload:
    """Keep an uploaded file as an Upload row (queued for processing, unless `fields` say
    otherwise: a Low Volume file awaiting review)."""
    return Upload.objects.create(
        location=location,
        uploaded_by=user,
        source=source,
        file_name=file_name[:255],
        content=data,
        content_sha256=hashlib.sha256(data).hexdigest(),
        **fields,
    )


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


def preview_file(data: bytes, *, max_rows: int, today: dt.date | None = None) -> Preview:
    """What an import would do to each row, without writing anything (the Low Volume review).

    Raises FileRejected for a whole-file problem, like import_file.
    """
    validation = validate_file(
        data, max_rows=max_rows, max_bytes=settings.UPLOAD_MAX_BYTES, today=today
    )
    columns = validation.header.columns

    def cell(cells: tuple[str, ...] | list[str], name: str) -> str:
        index = columns[name]
        return cells[index].strip() if index < len(cells) else ""

    rows = []
    valid: list[CleanRow] = []
    for batch in validation.batches:
        valid += batch.rows
        results = [(row.line, row.cells, "") for row in batch.rows]
        results += [(error.line, error.cells, error.message) for error in batch.errors]
        for line, cells, message in results:
            rows.append(
                PreviewRow(
                    line,
                    cell(cells, "first_name"),
                    cell(cells, "last_name"),
                    cell(cells, "date_of_birth"),
                    cell(cells, "email"),
                    message,
                )
            )
    warnings = row_warnings(valid, existing_people)
    rows = [
        dataclasses.replace(row, warnings=tuple(warnings[row.line]))
        if row.line in warnings
        else row
        for row in rows
    ]
    rows.sort(key=lambda row: row.line)
    return Preview(rows)


def queue_upload_summary(upload: Upload) -> None:
    """The manager's email about a finished upload: the counts, the failed records attached.
    Once per upload (a unique constraint), however often a finished job is reported."""
    with transaction.atomic():
        plan_reference_checks_by_index()  # its user check shares the welcome emails' plan
        OutboundEmail.objects.get_or_create(
            kind=OutboundEmail.Kind.UPLOAD_SUMMARY,
            upload=upload,
            defaults={"user": upload.uploaded_by},
        )
        send_emails_after_commit()
