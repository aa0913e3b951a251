"""What the upload app hears from the others: welcome emails that did not arrive (outbox)."""

from __future__ import annotations

from django.dispatch import receiver

from outbox.delivery import Delivery
from outbox.models import PROBLEMS, OutboundEmail
from outbox.signals import delivery_changed

from .welcome import queue_digest, uploads_of_accounts

_WELCOME_KINDS = {OutboundEmail.Kind.WELCOME, OutboundEmail.Kind.WELCOME_AGAIN}


@receiver(delivery_changed, dispatch_uid="bulkupload.bounce_digest")
def tell_the_uploader(sender, emails: list[Delivery], status: str, **kwargs) -> None:
    if status not in PROBLEMS:
        return
    accounts = [email.user_id for email in emails if email.kind in _WELCOME_KINDS]
    for upload_id in uploads_of_accounts(accounts):
        queue_digest(upload_id)
