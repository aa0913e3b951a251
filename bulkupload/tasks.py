"""Background jobs of bulk upload. Tasks orchestrate; the rules live in outbox and imports."""

import datetime as dt

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from .outbox import BATCH_SIZE, has_due_emails, requeue_stale, send_due_emails

MAX_BATCHES_PER_TASK = 50


@shared_task(ignore_result=True)
def send_emails() -> None:
    """Drain the outbox; a long queue continues in a fresh task rather than one endless one."""
    for _ in range(MAX_BATCHES_PER_TASK):
        if send_due_emails() < BATCH_SIZE:
            return
    send_emails.delay()


@shared_task(ignore_result=True)
def sweep_outbox() -> None:
    """Periodic: recover emails of a dead worker, and send anything left queued (for example
    because the broker was down when they were recorded)."""
    requeue_stale()
    if has_due_emails():
        send_emails.delay()


def send_emails_after_commit() -> None:
    """Start sending once the emails' rows are committed. Should the broker be down, the
    error is logged rather than failing the upload: the periodic sweep sends them later."""
    transaction.on_commit(send_emails.delay, robust=True)


@shared_task(ignore_result=True)
def purge_expired_previews() -> None:
    """Periodic: Low Volume files uploaded for review and then abandoned are not kept."""
    from .lowvolume import purge_expired_previews as purge

    purge()


# A job whose worker has not reported progress for this long is taken over; batches report
# every second or so, so this is only reached when a worker died.
STALE_JOB_AFTER = dt.timedelta(minutes=2)
MAX_JOB_ATTEMPTS = 3
STUCK_PROBLEM = (
    "Processing stopped and could not be resumed. Recipients counted as successful were "
    "created; upload the file again to process the rest, or contact the help desk."
)


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def process_upload_job(upload_id: int) -> None:
    """Process a stored upload (High Volume, help desk). Safe to receive twice: only one
    worker claims the job, and a job taken over resumes without creating anyone twice."""
    from .highvolume import finish_job
    from .imports import process_upload
    from .models import Upload

    upload = Upload.claim(upload_id, stale_after=STALE_JOB_AFTER)
    if upload is None:
        return
    try:
        process_upload(upload)
    finally:
        finish_job(upload)


@shared_task(ignore_result=True)
def sweep_upload_jobs() -> None:
    """Periodic: start jobs whose dispatch was lost (broker down at upload time), take over
    jobs whose worker died, and fail those that died too often, telling the manager."""
    from .highvolume import fail_stuck_job
    from .models import Upload

    now = timezone.now()
    waiting = Upload.objects.filter(
        status=Upload.Status.QUEUED, created_at__lt=now - dt.timedelta(minutes=1)
    ).values_list("pk", flat=True)
    stale = Upload.objects.filter(
        status=Upload.Status.RUNNING, heartbeat_at__lt=now - STALE_JOB_AFTER
    ).values_list("pk", "attempts")
    for upload_id in waiting:
        process_upload_job.delay(upload_id)
    for upload_id, attempts in stale:
        if attempts >= MAX_JOB_ATTEMPTS:
            fail_stuck_job(upload_id, STUCK_PROBLEM)
        else:
            process_upload_job.delay(upload_id)


def process_after_commit(upload_id: int) -> None:
    """Dispatch once the upload is committed; a broker that is down only delays it (the sweep
    dispatches queued jobs), it never loses the upload."""
    transaction.on_commit(lambda: process_upload_job.delay(upload_id), robust=True)
