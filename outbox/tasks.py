"""Background jobs of the outbox. Nothing imports this module: emails are queued with
outbox.queue, which sends these tasks by name once the rows are committed."""

from celery import shared_task
from django.conf import settings

from . import bounces, sending


@shared_task(ignore_result=True)
def send_emails(chain: int = 0) -> None:
    """Send for a few seconds (EMAIL_SEND_SLICE_SECONDS), then hand what is left to a fresh task: a
    worker told to stop is free within seconds, and another one goes on with the mailing.

    Chain 0 is what queueing an email starts (any number may run); when more than one batch is
    due as it starts, and again while a slice leaves some, it also wakes helper chains
    1..EMAIL_SENDER_CHAINS-1, each running only while it holds its lock
    (sending.helper_chain), so that a worker's pool processes send a large mailing side by
    side from its first email: a bounded number of chains however often they are woken."""
    if chain == 0 and sending.more_than_a_batch_due():
        _wake_helpers()
    with sending.helper_chain(chain) as mine:
        more = mine and sending.send_slice()
    if not more:
        return
    if chain:
        send_emails.delay(chain)
        return
    send_emails.delay()
    _wake_helpers()


def _wake_helpers() -> None:
    for helper in sending.helper_chains():
        send_emails.delay(helper)


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
