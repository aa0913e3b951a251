"""The High Volume tab: the file is stored with a job and processed by a worker, while the
page shows live progress (guide, "Upload a High Volume File"; unlike the original, the
manager sees how far it got and how long is left).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from providers.models import Location, User

from .access import get_own_high_volume_job_or_404, own_high_volume_jobs
from .elsewhere import (
    FileCheck,
    allow_finding_elsewhere,
    check_file_for_elsewhere,
    record_found_elsewhere,
)
from .engine import FileRejected
from .jobs import keep_for_uploader, queue_job, store_upload
from .models import Upload

SOURCE = Upload.Source.HIGH_VOLUME


def _allowed(data: bytes, location: Location, user: User) -> FileCheck:
    checked = check_file_for_elsewhere(data, location, source=SOURCE)
    allow_finding_elsewhere(
        user,
        checked.found_elsewhere,
        target=f"location {location.pin}",
        note=" The file was not processed: nobody in it was created. Upload it again then.",
    )
    return checked


def start_job(data: bytes, file_name: str, *, location: Location, user: User) -> Upload:
    """Store the file and queue its processing. The whole-file checks (too many rows, not a
    table, ...) run now, so a refused file is refused at once and nothing is kept.

    So does the count of rows naming people loaded at other locations (the job would report
    them as "Duplicated <email>"): a file that finds any counts against the manager's
    PREVIEW_ELSEWHERE_RATE, as a Low Volume preview does, and past it the whole file is
    refused (elsewhere.FoundElsewhereTooOften) rather than processed with some rows refused
    unexplained: nothing is created, so nothing is lost silently, and the manager is told when
    to upload it again.
    """
    checked = _allowed(data, location, user)
    upload = store_upload(
        data, file_name=file_name, location=location, user=user, source=SOURCE, rows=checked.rows
    )
    record_found_elsewhere(user, checked.found_elsewhere, target=f"upload {upload.pk}")
    queue_job(upload)
    return upload


def keep_for_high_volume(
    data: bytes, file_name: str, *, location: Location, user: User, rows: int
) -> Upload | None:
    """A file refused by the Low Volume tab for its number of rows, kept (in the database,
    like every upload; for this manager and location only) so that one click sends it to the
    High Volume tab without choosing it again. Nothing is checked or counted until then; an
    unsent file expires as an unreviewed Low Volume file does. None when the file is too large
    for High Volume too."""
    if rows > Upload.max_rows_for(SOURCE):
        return None
    return keep_for_uploader(
        data, file_name=file_name, location=location, user=user, source=SOURCE, rows=rows
    )


def start_kept_job(user: User, location: Location, upload_id: int) -> Upload:
    """ "Upload it on the High Volume tab": the kept file goes through the same checks as one
    uploaded there (start_job), and is queued. A second click finds it queued already and
    changes nothing. A refused file is not kept (FileRejected, as at the tab's own door);
    anyone else's file, or an expired one, is not found (404)."""
    upload = get_own_high_volume_job_or_404(user, location, upload_id)
    if upload.status != Upload.Status.PREVIEW:
        return upload  # sent already: the tab shows it
    kept = Upload.objects.awaiting_review_by(user, location, source=SOURCE).filter(pk=upload_id)
    content = kept.values_list("content", flat=True).first()
    if content is None:
        raise Http404("The file is no longer kept.")
    try:
        checked = _allowed(bytes(content), location, user)
    except FileRejected:
        kept.delete()
        raise
    if kept.update(status=Upload.Status.QUEUED, created_at=timezone.now()):
        record_found_elsewhere(user, checked.found_elsewhere, target=f"upload {upload.pk}")
        queue_job(upload)
    return upload


def remembered_job(user: User, location: Location) -> Upload | None:
    """The job the tab shows a manager coming back to it: their own job in progress here,
    else their latest finished one until they dismiss it with DONE. An older finished job is
    not brought back by dismissing a newer one: only the latest is ever remembered."""
    jobs = own_high_volume_jobs(user, location)
    running = jobs.filter(status__in=[Upload.Status.QUEUED, Upload.Status.RUNNING]).first()
    if running is not None:
        return running
    latest = jobs.filter(status__in=Upload.FINISHED).order_by("-finished_at", "-id").first()
    return latest if latest is not None and latest.dismissed_at is None else None


def dismiss_job(user: User, location: Location, upload_id: int) -> Upload:
    """DONE: the uploader has seen how their job here ended (404 for anyone else's job). A
    job still in progress is left as it is: the tab keeps following it."""
    upload = get_own_high_volume_job_or_404(user, location, upload_id)
    if upload.is_finished:
        upload.dismiss()
    return upload


RUNNING_HELP = (
    "You can leave this page: processing goes on, and the Reports tab shows where it is. You "
    "will receive an email when it is done."
)
DONE_HELP = (
    "Processing is done. The recipients created are in Loaded Recipients below, and the upload "
    "stays on the Reports tab."
)
STOPPED_HELP = "Processing has stopped. The upload stays on the Reports tab."


def _heading_and_help(upload: Upload) -> tuple[str, str]:
    """The panel's heading and its line of help: running while it runs, done once done (a
    finished job kept saying "Uploading…" and "processing goes on")."""
    if not upload.is_finished:
        return f"Uploading {upload.file_name}", RUNNING_HELP
    if upload.status == Upload.Status.DONE:
        return f"{upload.file_name} is processed", DONE_HELP
    return f"{upload.file_name} could not be processed", STOPPED_HELP


def job_status(upload: Upload, request: HttpRequest | None = None) -> dict:
    """What the progress panel shows, from the job row alone. `banner_html` is the banner
    the page shows once the job ends, rendered here for the page and its script alike (with
    the `request` it is shown for: its undo form needs the CSRF token and who is asking)."""
    rows = upload.rows or 0
    percent = 100 if upload.is_finished else (100 * upload.processed // rows if rows else 0)
    eta = None
    if upload.status == Upload.Status.RUNNING and upload.heartbeat_at and upload.processed:
        started = upload.started_at or upload.heartbeat_at
        elapsed = max((upload.heartbeat_at - started).total_seconds(), 0.001)
        eta = round(elapsed / upload.processed * (rows - upload.processed))
    heading, help_text = _heading_and_help(upload)
    status = {
        "id": upload.pk,
        "file_name": upload.file_name,
        "heading": heading,
        "help": help_text,
        "status": upload.status,
        "status_label": upload.get_status_display(),
        "finished": upload.is_finished,
        "rows": rows,
        "processed": upload.processed,
        "created": upload.created_count,
        "failed": upload.failed_count,
        "placeholder_summary": upload.placeholder_summary,
        "example_notice": upload.example_notice,
        # People loaded here already: neither created nor failed (engine/reconcile.py).
        "already_loaded": upload.already_loaded_count,
        "changes": upload.change_count,
        "changes_url": reverse("bulkupload:upload_detail", args=[upload.pk]) + "#changes"
        if upload.change_count
        else "",
        "percent": percent,
        "eta_seconds": eta,
        "problem": upload.problem,
        "dismissed": upload.dismissed_at is not None,
        # success, warning or error once finished (Upload.outcome), and the sentence saying so.
        "outcome": upload.outcome,
        "outcome_summary": upload.outcome_summary,
        "error_file_url": reverse("bulkupload:error_file", args=[upload.pk])
        if upload.has_error_file
        else "",
    }
    status["banner_html"] = render_to_string(
        "bulkupload/_job_banner.html", {"job": status, "upload": upload}, request=request
    )
    return status
