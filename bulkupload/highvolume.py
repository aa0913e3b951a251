"""The High Volume tab: the file is stored with a job and processed by a worker, while the
page shows live progress (guide, "Upload a High Volume File"; unlike the original, the
manager sees how far it got and how long is left).
"""

from __future__ import annotations

from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse

from providers.models import Location, User

from .elsewhere import allow_finding_elsewhere, check_file_for_elsewhere, record_found_elsewhere
from .jobs import queue_job, store_upload
from .models import Upload, UploadQuerySet


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
    source = Upload.Source.HIGH_VOLUME
    checked = check_file_for_elsewhere(data, location, source=source)
    allow_finding_elsewhere(
        user,
        checked.found_elsewhere,
        target=f"location {location.pin}",
        note=" The file was not processed: nobody in it was created. Upload it again then.",
    )
    upload = store_upload(
        data, file_name=file_name, location=location, user=user, source=source, rows=checked.rows
    )
    record_found_elsewhere(user, checked.found_elsewhere, target=f"upload {upload.pk}")
    queue_job(upload)
    return upload


def _own_jobs(user: User, location: Location) -> UploadQuerySet:
    return (
        Upload.objects.for_location(location)
        .filter(uploaded_by=user, source=Upload.Source.HIGH_VOLUME)
        .without_files()
    )


def remembered_job(user: User, location: Location) -> Upload | None:
    """The job the tab shows a manager coming back to it: their own job in progress here,
    else their latest finished one until they dismiss it with DONE. An older finished job is
    not brought back by dismissing a newer one: only the latest is ever remembered."""
    jobs = _own_jobs(user, location)
    running = jobs.filter(status__in=[Upload.Status.QUEUED, Upload.Status.RUNNING]).first()
    if running is not None:
        return running
    latest = jobs.filter(status__in=Upload.FINISHED).order_by("-finished_at", "-id").first()
    return latest if latest is not None and latest.dismissed_at is None else None


def dismiss_job(user: User, location: Location, upload_id: int) -> Upload:
    """DONE: the uploader has seen how their job here ended (404 for anyone else's job). A
    job still in progress is left as it is: the tab keeps following it."""
    upload = _own_jobs(user, location).filter(pk=upload_id).first()
    if upload is None:
        raise Http404("No such upload.")
    if upload.is_finished:
        upload.dismiss()
    return upload


def job_status(upload: Upload) -> dict:
    """What the progress panel shows, from the job row alone. `banner_html` is the banner
    the page shows once the job ends, rendered here for the page and its script alike."""
    rows = upload.rows or 0
    percent = 100 if upload.is_finished else (100 * upload.processed // rows if rows else 0)
    eta = None
    if upload.status == Upload.Status.RUNNING and upload.heartbeat_at and upload.processed:
        started = upload.started_at or upload.heartbeat_at
        elapsed = max((upload.heartbeat_at - started).total_seconds(), 0.001)
        eta = round(elapsed / upload.processed * (rows - upload.processed))
    status = {
        "id": upload.pk,
        "file_name": upload.file_name,
        "status": upload.status,
        "status_label": upload.get_status_display(),
        "finished": upload.is_finished,
        "rows": rows,
        "processed": upload.processed,
        "created": upload.created_count,
        "failed": upload.failed_count,
        "placeholder_summary": upload.placeholder_summary,
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
    status["banner_html"] = render_to_string("bulkupload/_job_banner.html", {"job": status})
    return status
