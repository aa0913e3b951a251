from django.db.models import QuerySet
from django.http import Http404

from providers.access import locations_managed_by
from providers.models import User

from .models import Upload


def uploads_visible_to(user: User) -> QuerySet[Upload]:
    return Upload.objects.filter(location__in=locations_managed_by(user))


def get_upload_or_404(user: User, upload_id: int) -> Upload:
    """This upload, if it belongs to one of the user's locations; 404 otherwise."""
    try:
        return uploads_visible_to(user).select_related("location", "uploaded_by").get(pk=upload_id)
    except Upload.DoesNotExist:
        raise Http404("No such upload.") from None


def get_own_upload_or_404(user: User, upload_id: int) -> Upload:
    """This user's own upload, at one of their locations; 404 otherwise (another manager's
    upload included: only its uploader may take it back, bulkupload.undo)."""
    try:
        return (
            uploads_visible_to(user)
            .filter(uploaded_by=user)
            .without_files()
            .select_related("location", "uploaded_by")
            .get(pk=upload_id)
        )
    except Upload.DoesNotExist:
        raise Http404("No such upload.") from None
