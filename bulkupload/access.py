"""Who may see which upload: the one home of the uploads' scopes (a page asking for another's
upload gets a 404, never a 403 that says it exists).

- `uploads_visible_to`: every upload at a location the user manages (the upload's page, its
  error file, its review of changes);
- `get_upload_or_404` / `get_own_upload_or_404`: one of those, or one the user uploaded
  themselves (only its uploader may take it back, bulkupload.undo);
- `low_volume_result`: the Low Volume tab's alert after Create Records;
- `high_volume_job`: a job of the manager's location, for the High Volume progress panel;
- `own_high_volume_jobs`: the user's own High Volume jobs at a location (remembered, DONE,
  sent from the Low Volume tab);
- `get_preview_or_404`: the user's own Low Volume file awaiting review here.
"""

from __future__ import annotations

from django.http import Http404

from providers.access import locations_managed_by
from providers.models import Location, User

from .models import Upload, UploadQuerySet


def uploads_visible_to(user: User) -> UploadQuerySet:
    return Upload.objects.filter(location__in=locations_managed_by(user))


def get_upload_or_404(user: User, upload_id: int) -> Upload:
    """This upload, if it belongs to one of the user's locations; 404 otherwise."""
    uploads = uploads_visible_to(user).select_related("location", "uploaded_by")
    return _one_or_404(uploads, upload_id, "No such upload.")


def get_own_upload_or_404(user: User, upload_id: int) -> Upload:
    """This user's own upload, at one of their locations; 404 otherwise (another manager's
    upload included: only its uploader may take it back, bulkupload.undo)."""
    uploads = (
        uploads_visible_to(user)
        .filter(uploaded_by=user)
        .without_files()
        .select_related("location", "uploaded_by")
    )
    return _one_or_404(uploads, upload_id, "No such upload.")


def low_volume_result(user: User, location: Location, upload_id: int) -> Upload | None:
    """A Low Volume upload of this location past review (the counts of Create Records)."""
    return _submitted(user, location, upload_id, Upload.Source.LOW_VOLUME)


def high_volume_job(user: User, location: Location, upload_id: int) -> Upload | None:
    """A High Volume job of this location, any manager's: a file kept for the tab is not a
    job until it is sent."""
    return _submitted(user, location, upload_id, Upload.Source.HIGH_VOLUME)


def _submitted(user: User, location: Location, upload_id: int, source: str) -> Upload | None:
    """An upload of this location, by this door, past review or sent (any manager's)."""
    return (
        uploads_visible_to(user)
        .for_location(location)
        .submitted()
        .without_files()
        .filter(pk=upload_id, source=source)
        .first()
    )


def own_high_volume_jobs(user: User, location: Location) -> UploadQuerySet:
    """The user's own High Volume uploads at this location (a kept file included)."""
    return (
        Upload.objects.for_location(location)
        .filter(uploaded_by=user, source=Upload.Source.HIGH_VOLUME)
        .without_files()
    )


def get_own_high_volume_job_or_404(user: User, location: Location, upload_id: int) -> Upload:
    """One of `own_high_volume_jobs`; 404 otherwise."""
    return _one_or_404(own_high_volume_jobs(user, location), upload_id, "No such upload.")


def get_preview_or_404(user: User, location: Location, upload_id: int) -> Upload:
    """The user's own Low Volume file awaiting review at this location; 404 otherwise."""
    previews = Upload.objects.awaiting_review_by(user, location).select_related("location")
    return _one_or_404(previews, upload_id, "No such file awaiting review.")


def _one_or_404(uploads: UploadQuerySet, upload_id: int, message: str) -> Upload:
    upload = uploads.filter(pk=upload_id).first()
    if upload is None:
        raise Http404(message)
    return upload
