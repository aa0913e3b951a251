"""An Upload's life, the same for every door a file comes in by: stored, queued, claimed, run
through the pipeline with its progress recorded, finished (done, rejected or failed), and the
manager told.

A task (bulkupload.tasks) or a door runs a job by its id; nothing here imports the tasks. Work
for a worker is sent by task name once the transaction that recorded it commits, so a worker
never looks for a row that is not there yet, and a broker that is down only delays it: the
periodic sweeps (`sweep_jobs`, the outbox's) pick up what was recorded.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging

from celery import current_app
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditEvent
from audit.trail import record
from outbox.models import OutboundEmail
from outbox.queue import queue_email, send_emails_after_commit
from providers.models import Location, User

from .engine import FileRejected, ImportResult
from .models import Upload, UploadEmailChange, UploadSummaryEmail
from .pipeline import import_batches
from .signals import upload_finished
from .writer import plan_reference_checks_by_index

logger = logging.getLogger(__name__)

PROCESS_TASK = "bulkupload.tasks.process_upload_job"

# A job whose worker has not reported progress for this long is taken over; batches report
# every second or so, so this is only reached when a worker died.
STALE_JOB_AFTER = dt.timedelta(minutes=2)
# A queued job older than this was never picked up (the broker was down when it was queued).
LOST_DISPATCH_AFTER = dt.timedelta(minutes=1)
MAX_JOB_ATTEMPTS = 3
CRASH_PROBLEM = (
    "Processing stopped because of an internal error. Recipients listed as created were "
    "created; upload the file again to process the rest."
)
STUCK_PROBLEM = (
    "Processing stopped and could not be resumed. Recipients counted as successful were "
    "created; upload the file again to process the rest, or contact the help desk."
)


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


def keep_for_uploader(
    data: bytes, *, file_name: str, location: Location, user: User, source: str, rows: int
) -> Upload:
    """Keep a file for its uploader to act on (a Low Volume review; a file sent on to High
    Volume by a click): status preview, until they act or it expires (awaiting_review_by)."""
    return store_upload(
        data,
        file_name=file_name,
        location=location,
        user=user,
        source=source,
        status=Upload.Status.PREVIEW,
        rows=rows,
    )


def queue_job(upload: Upload) -> None:
    """Have a worker run the job once the upload is committed."""
    _send_after_commit(PROCESS_TASK, upload.pk)


def run_job(upload_id: int) -> ImportResult | None:
    """Claim the job and run it; then tell the manager if the rule says so.

    Safe to call twice for the same job (a redelivered task, a double click): only one caller
    claims it. Returns None when another caller has it, or the file was rejected as a whole
    (the upload's `problem` says why).
    """
    upload = Upload.claim(upload_id, stale_after=STALE_JOB_AFTER)
    if upload is None:
        return None
    try:
        return process_upload(upload)
    finally:
        job_ended(upload)


def job_ended(upload: Upload) -> None:
    """Tell whoever should know that a job ended: the manager when the rule says so, and the
    apps listening (a help-desk case)."""
    if not upload.is_finished:
        return
    if summary_is_due(upload):
        queue_summary(upload)
    upload_finished.send(sender=Upload, upload=upload)


def process_upload(upload: Upload) -> ImportResult | None:
    """Run a claimed upload through the pipeline, recording its progress and its end.

    A crash marks the upload failed and is raised again, for the task to log.
    """
    upload.start()
    try:
        for result in import_batches(
            bytes(upload.content), location=upload.location, user=upload.uploaded_by, upload=upload
        ):
            upload.record_progress(
                result.rows,
                result.created,
                result.failed,
                placeholders=result.placeholder_emails,
                already_loaded=result.already_loaded,
                changes=result.to_review,
            )
        keep_changes(upload, result)
    except FileRejected as rejection:
        upload.finish(Upload.Status.REJECTED, problem=rejection.message)
        logger.info("Upload %s rejected as a whole", upload.pk)
        return None
    except Exception:
        # The counts of what was already written are on the row; say that it stopped.
        upload.finish(Upload.Status.FAILED, problem=CRASH_PROBLEM)
        logger.exception("Upload %s failed", upload.pk)
        raise
    upload.finish(
        Upload.Status.DONE, error_file=result.error_file, example_lines=list(result.examples)
    )
    if result.created:
        record(
            AuditEvent.Action.RECIPIENTS_CREATED,
            actor=upload.uploaded_by,
            target=f"upload {upload.pk}",
            detail=f"{result.created} created, {result.failed} failed "
            f"({upload.get_source_display()}, {upload.location.pin})",
        )
    logger.info(
        "Upload %s done: %s rows, %s created, %s failed, %s already loaded, %s changes to review",
        upload.pk,
        result.rows,
        result.created,
        result.failed,
        result.already_loaded,
        result.to_review,
    )
    if result.created:
        send_emails_after_commit()  # the welcome emails the writer queued
    return result


def keep_changes(upload: Upload, result: ImportResult) -> None:
    """Keep the upload's email changes (to review, or registered already) for its page and
    the Low Volume review's accepted rows (bulkupload.changes). A job taken over after its
    worker died keeps those of its first run as they are (one per line)."""
    if result.changes:
        UploadEmailChange.objects.bulk_create(
            [
                UploadEmailChange(
                    upload=upload,
                    recipient_id=row.recipient,
                    line=row.line,
                    email=row.email,
                    registered=not row.reviewable,
                )
                for row in result.changes
            ],
            ignore_conflicts=True,
        )


def summary_is_due(upload: Upload) -> bool:
    """Whether the manager is emailed about this upload: the one rule for every door.

    - High Volume: whenever the job ends, however (the manager may have left the page; the
      guide: "you will receive an automatic email notification");
    - Low Volume: when rows failed, with the failed records attached (the alert already gave
      the counts; the guide: "You will receive an email with any failed uploads");
    - the help desk: never here; its case tells the requester, without attaching the file's
      rows (upload_finished);
    - the command line: never, its output is the report.
    """
    if not upload.is_finished or upload.source in {
        Upload.Source.COMMAND_LINE,
        Upload.Source.HELP_DESK,
    }:
        return False
    if upload.source == Upload.Source.LOW_VOLUME:
        return upload.has_error_file
    return True


def queue_summary(upload: Upload) -> None:
    """The manager's email about a finished upload: the counts, the failed records attached.
    Once per upload (UploadSummaryEmail's key), however often a finished job is reported."""
    if UploadSummaryEmail.objects.filter(upload=upload).exists():
        return
    try:
        with transaction.atomic():
            plan_reference_checks_by_index()  # its user check shares the welcome emails' plan
            email = queue_email(OutboundEmail.Kind.UPLOAD_SUMMARY, user=upload.uploaded_by)
            UploadSummaryEmail.objects.create(upload=upload, email=email)
    except IntegrityError:
        pass  # reported twice at the same instant: the other report queued it


def sweep_jobs(now: dt.datetime | None = None) -> None:
    """Start jobs whose dispatch was lost (broker down at upload time), take over jobs whose
    worker died, and fail those that died too often, telling the manager."""
    now = now or timezone.now()
    waiting = Upload.objects.filter(
        status=Upload.Status.QUEUED, created_at__lt=now - LOST_DISPATCH_AFTER
    ).values_list("pk", flat=True)
    stale = Upload.objects.filter(
        status=Upload.Status.RUNNING, heartbeat_at__lt=now - STALE_JOB_AFTER
    ).values_list("pk", "attempts")
    for upload_id in waiting:
        _send(PROCESS_TASK, upload_id)
    for upload_id, attempts in stale:
        if attempts >= MAX_JOB_ATTEMPTS:
            fail_stuck_job(upload_id)
        else:
            _send(PROCESS_TASK, upload_id)


def fail_stuck_job(upload_id: int) -> None:
    failed = Upload.objects.filter(pk=upload_id, status=Upload.Status.RUNNING).update(
        status=Upload.Status.FAILED, problem=STUCK_PROBLEM, finished_at=timezone.now()
    )
    if failed:
        job_ended(Upload.objects.without_files().select_related("uploaded_by").get(pk=upload_id))


def _send_after_commit(task: str, *args: object) -> None:
    # robust: should the broker be down, the error is logged rather than failing the request
    # that recorded the work; the sweeps send it later. (Django's log line names the
    # callback's __qualname__, which a bare partial lacks.)
    send = functools.update_wrapper(functools.partial(_send, task, *args), _send)
    transaction.on_commit(send, robust=True)


def _send(task: str, *args: object) -> None:
    """Send a task by name. A signature runs a registered task as the task itself would
    (eagerly where Celery is told to), and is sent by name where it is not registered."""
    current_app.signature(task, args=args).delay()
