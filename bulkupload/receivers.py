"""What the upload app hears: welcome emails that did not arrive (outbox), and its own jobs
ending (the recipients' table tidied after imports)."""

from __future__ import annotations

from django.dispatch import receiver

from outbox.delivery import Delivery
from outbox.models import PROBLEMS, OutboundEmail
from outbox.signals import delivery_changed
from recipients.sql import tidy_recipients

from .models import Upload
from .signals import upload_finished
from .welcome import queue_digest, uploads_of_accounts

_WELCOME_KINDS = {OutboundEmail.Kind.WELCOME, OutboundEmail.Kind.WELCOME_AGAIN}


@receiver(delivery_changed, dispatch_uid="bulkupload.bounce_digest")
def tell_the_uploader(sender, emails: list[Delivery], status: str, **kwargs) -> None:
    if status not in PROBLEMS:
        return
    accounts = [email.user_id for email in emails if email.kind in _WELCOME_KINDS]
    for upload_id in uploads_of_accounts(accounts):
        queue_digest(upload_id)


@receiver(upload_finished, dispatch_uid="bulkupload.tidy_recipients")
def tidy_after_import(sender, upload: Upload, **kwargs) -> None:
    """An import that created recipients may have added enough since the table was last
    vacuumed for Loaded Recipients' deep pages to need it (recipients.sql.tidy_recipients)."""
    if upload.created_count:
        tidy_recipients(added=upload.created_count)
