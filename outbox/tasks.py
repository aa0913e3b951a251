"""Background jobs of the outbox. Nothing imports this module: emails are queued with
outbox.queue, which sends these tasks by name once the rows are committed."""

from celery import shared_task
from django.conf import settings

from . import bounces, sending


@shared_task(ignore_result=True)
def send_emails() -> None:
    """Send for a few seconds (sending.SEND_SLICE), then hand what is left to a fresh task: a
    worker told to stop is free within seconds, and another one goes on with the mailing."""
    if sending.send_slice():
        send_emails.delay()


@shared_task(ignore_result=True)
def sweep_outbox() -> None:
    """Periodic: recover emails of a dead worker, and send anything left queued (for example
    because the broker was down when they were recorded)."""
    sending.requeue_stale()
    if sending.has_due_emails():
        send_emails.delay()


@shared_task(ignore_result=True)
def read_bounces() -> None:
    """Periodic: the bounces the relay delivered into BOUNCE_MAILDIR since the last run."""
    if settings.BOUNCE_MAILDIR:
        bounces.read_maildir(settings.BOUNCE_MAILDIR)
