"""Background jobs of bulk upload. Tasks orchestrate; the rules live in jobs, outbox and the
doors. This module sits on top: it imports them, nothing imports it (jobs send tasks by name).
"""

from celery import shared_task

from . import jobs, lowvolume, outbox, retention


@shared_task(ignore_result=True)
def send_emails() -> None:
    """Send for a few seconds (outbox.SEND_SLICE), then hand what is left to a fresh task: a
    worker told to stop is free within seconds, and another one goes on with the mailing."""
    if outbox.send_slice():
        send_emails.delay()


@shared_task(ignore_result=True)
def sweep_outbox() -> None:
    """Periodic: recover emails of a dead worker, and send anything left queued (for example
    because the broker was down when they were recorded)."""
    outbox.requeue_stale()
    if outbox.has_due_emails():
        send_emails.delay()


@shared_task(ignore_result=True)
def purge_expired_previews() -> None:
    """Periodic: Low Volume files uploaded for review and then abandoned are not kept."""
    lowvolume.purge_expired_previews()


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def process_upload_job(upload_id: int) -> None:
    """Process a stored upload (High Volume, help desk). Safe to receive twice: only one
    worker claims the job, and a job taken over resumes without creating anyone twice."""
    jobs.run_job(upload_id)


@shared_task(ignore_result=True)
def sweep_upload_jobs() -> None:
    """Periodic: start lost jobs, take over those of dead workers, fail the hopeless."""
    jobs.sweep_jobs()


@shared_task(ignore_result=True)
def delete_expired_upload_files() -> None:
    """Periodic: uploaded files and failed records are kept UPLOAD_RETENTION_DAYS only."""
    retention.delete_expired_files()
