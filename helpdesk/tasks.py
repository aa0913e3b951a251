"""Background jobs of the help desk."""

from celery import shared_task

from . import cases


@shared_task(ignore_result=True)
def purge_case_files() -> None:
    """Periodic: attached files are deleted HELPDESK_FILE_RETENTION_DAYS after a case closes."""
    cases.purge_case_files()
