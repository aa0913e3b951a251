"""Background jobs of bulk upload. Tasks orchestrate; the rules live in jobs and the doors
(emails are the outbox app's). This module sits on top: it imports them, nothing imports it
(jobs send tasks by name).
"""

from celery import shared_task

from . import jobs, lowvolume, retention


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
