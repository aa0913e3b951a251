"""Background jobs of the recipients app. Nothing imports this module (beat names its tasks)."""

from celery import shared_task

from . import counts, sql


@shared_task(ignore_result=True)
def fold_recipient_counts() -> None:
    """Periodic: each location's count rows folded into one (recipients/counts.py)."""
    counts.fold_counts()


@shared_task(ignore_result=True)
def analyze_recipients() -> None:
    """Periodic: the recipients' table analyzed once enough rows changed (recipients/sql.py)."""
    sql.analyze_recipients()
