"""Background jobs of the recipient portal."""

from celery import shared_task

from . import reminders


@shared_task(ignore_result=True)
def send_second_dose_reminders() -> None:
    """Periodic: record and queue the second-dose reminders due (each once)."""
    reminders.queue_due_reminders()
