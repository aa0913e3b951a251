"""The High Volume tab: the file is stored with a job and processed by a worker, while the
page shows live progress (guide, "Upload a High Volume File"; unlike the original, the
manager sees how far it got and how long is left).
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from providers.models import Location, User

from .engine import read_table, scan_table
from .imports import queue_upload_summary, store_upload
from .models import Upload
from .tasks import process_after_commit


def start_job(data: bytes, file_name: str, *, location: Location, user: User) -> Upload:
    """Store the file and queue its processing. The whole-file checks (too many rows, not a
    table, ...) run now, so a refused file is refused at once and nothing is kept."""
    table = read_table(data, max_bytes=settings.UPLOAD_MAX_BYTES)
    _, rows = scan_table(table, max_rows=settings.HIGH_VOLUME_MAX_ROWS)
    upload = store_upload(
        data,
        file_name=file_name,
        location=location,
        user=user,
        source=Upload.Source.HIGH_VOLUME,
        rows=rows,
    )
    process_after_commit(upload.pk)
    return upload


def finish_job(upload: Upload) -> None:
    """After the worker is done with a job, however it ended: tell the manager."""
    upload.refresh_from_db(fields=["status"])
    if upload.is_finished:
        queue_upload_summary(upload)


def fail_stuck_job(upload_id: int, problem: str) -> None:
    now = timezone.now()
    failed = Upload.objects.filter(pk=upload_id, status=Upload.Status.RUNNING).update(
        status=Upload.Status.FAILED, problem=problem, finished_at=now
    )
    if failed:
        queue_upload_summary(Upload.objects.select_related("uploaded_by").get(pk=upload_id))


def job_status(upload: Upload) -> dict:
    """What the progress panel shows, from the job row alone."""
    rows = upload.rows or 0
    percent = 100 if upload.is_finished else (100 * upload.processed // rows if rows else 0)
    eta = None
    if upload.status == Upload.Status.RUNNING and upload.heartbeat_at and upload.processed:
        started = upload.started_at or upload.heartbeat_at
        elapsed = max((upload.heartbeat_at - started).total_seconds(), 0.001)
        eta = round(elapsed / upload.processed * (rows - upload.processed))
    return {
        "id": upload.pk,
        "file_name": upload.file_name,
        "status": upload.status,
        "status_label": upload.get_status_display(),
        "finished": upload.is_finished,
        "rows": rows,
        "processed": upload.processed,
        "created": upload.created_count,
        "failed": upload.failed_count,
        "percent": percent,
        "eta_seconds": eta,
        "problem": upload.problem,
        "error_file_url": reverse("bulkupload:error_file", args=[upload.pk])
        if upload.failed_count and upload.status == Upload.Status.DONE
        else "",
    }
