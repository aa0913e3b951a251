"""Background jobs of bulk upload. Tasks orchestrate; the rules live in outbox and imports."""

from celery import shared_task
from django.db import transaction

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
