"""What the help desk does when something happens elsewhere (connected by HelpdeskConfig)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from bulkupload.models import Upload
from bulkupload.signals import upload_finished
from providers.models import User

from .access import SESSION_MUST_CHANGE
from .actions import job_finished
from .models import Requester


@receiver(upload_finished, dispatch_uid="helpdesk-upload-finished")
def on_upload_finished(sender, upload: Upload, **kwargs) -> None:
    """A case's job ended: tell its requester."""
    job_finished(upload)


@receiver(user_logged_in, dispatch_uid="helpdesk-temporary-password")
def on_login(sender, request: HttpRequest, user: User, **kwargs) -> None:
    """Mark a session signed in with a temporary password (TemporaryPasswordMiddleware)."""
    if Requester.objects.filter(user=user, must_change_password=True).exists():
        request.session[SESSION_MUST_CHANGE] = True
