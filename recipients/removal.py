"""Removing a loaded recipient: the help desk's job (providers cannot; guide, "How to Remove
Loaded Recipients"). The one way a recipient is removed, whoever asks.

Removal is soft: the row stays, with who removed it, when and why, for the audit trail. A
removed recipient leaves every provider list and count (RecipientQuerySet.active), their
portal account can no longer sign in, and the same person may be loaded again later (the
unique constraint covers active recipients only).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent
from audit.trail import record
from providers.models import User

from .models import Recipient


class RemovalRefused(Exception):
    """What to fix before the recipient can be removed (a reason is required)."""


def remove_recipient(recipient: Recipient, *, by: User, reason: str) -> bool:
    """Remove the recipient; False when they were removed already (by anyone), which changes
    nothing, so a repeated request is harmless."""
    reason = (reason or "").strip()
    if not reason:
        raise RemovalRefused("Enter why the recipient is removed: the reason is kept for audit.")
    now = timezone.now()
    with transaction.atomic():
        removed = Recipient.objects.filter(pk=recipient.pk, removed_at__isnull=True).update(
            removed_at=now, removed_by=by, removal_reason=reason
        )
        if not removed:
            recipient.refresh_from_db(fields=["removed_at", "removed_by", "removal_reason"])
            return False
        if recipient.account_id is not None:
            # Signs them out everywhere too: sessions of an inactive user are refused.
            User.objects.filter(pk=recipient.account_id).update(is_active=False)
        # The reason stays on the recipient (it is free text): the trail says who and when.
        record(AuditEvent.Action.RECIPIENT_REMOVED, actor=by, target=f"recipient {recipient.pk}")
    recipient.removed_at, recipient.removed_by, recipient.removal_reason = now, by, reason
    return True
