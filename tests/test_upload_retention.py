"""Uploaded files and their failed records are personal data: deleted UPLOAD_RETENTION_DAYS
after the upload ended, while the upload's counts and results stay; the Reports tab says so."""

import datetime as dt

from django.utils import timezone

from bulkupload.models import Upload
from bulkupload.retention import delete_expired_files
from bulkupload.tasks import delete_expired_upload_files
from tests.helpers import make_upload

FILE = b"FirstName,LastName,Date of birth,Email\r\nAnn,Lee,1/2/1990,bad\r\n"


def _finished(location, user, days_ago: int) -> Upload:
    return make_upload(
        location,
        user,
        content=FILE,
        status=Upload.Status.DONE,
        rows=1,
        failed_count=1,
        error_file=FILE,
        finished_at=timezone.now() - dt.timedelta(days=days_ago),
    )


def test_files_past_30_days_are_deleted_and_their_counts_kept(alice, demo_clinic):
    old, recent = _finished(demo_clinic, alice, 31), _finished(demo_clinic, alice, 29)
    running = make_upload(demo_clinic, alice, content=FILE, status=Upload.Status.RUNNING)
    assert delete_expired_files() == 1
    old.refresh_from_db()
    assert (bytes(old.content), old.error_file, old.failed_count) == (b"", None, 1)
    assert old.files_deleted_at is not None and not old.has_error_file
    for kept in (recent, running):
        kept.refresh_from_db()
        assert bytes(kept.content) == FILE
    assert delete_expired_files() == 0  # once


def test_the_reports_tab_says_the_files_expired_and_offers_no_download(
    alice_client, alice, demo_clinic, eager_tasks
):
    old = _finished(demo_clinic, alice, 40)
    delete_expired_upload_files.delay()
    reports = alice_client.get("/reports/").content.decode()
    assert "Expired" in reports and f"/reports/{old.pk}/failed-records.csv" not in reports
    detail = alice_client.get(f"/reports/{old.pk}/").content.decode()
    assert "were deleted on" in detail
    assert alice_client.get(f"/reports/{old.pk}/failed-records.csv").status_code == 404


def test_the_retention_is_configurable(alice, demo_clinic, settings):
    settings.UPLOAD_RETENTION_DAYS = 7
    _finished(demo_clinic, alice, 8)
    assert delete_expired_files() == 1
