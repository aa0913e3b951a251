"""Removing a loaded recipient: the help desk's job (providers cannot; guide, "How to Remove
Loaded Recipients"). The one way a recipient is removed, whoever asks.

Removal is soft: the row stays, with who removed it, when and why, for the audit trail. A
removed recipient leaves every provider list and count (RecipientQuerySet.active), their
portal account can no longer sign in, and the same person may be loaded again later (the
unique constraint covers active recipients only).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from audit.models import AuditEvent
from audit.trail import record_each
from providers.models import User

from .models import Recipient


class RemovalRefused(Exception):
    """What to fix before the recipient can be removed (a reason is required)."""


def remove_recipient(recipient: Recipient, *, by: User, reason: str) -> bool:
    """Remove the recipient; False when they were removed already (by anyone), which changes
    nothing, so a repeated request is harmless."""
    removed = remove_recipients(Recipient.objects.filter(pk=recipient.pk), by=by, reason=reason)
    recipient.refresh_from_db(fields=["removed_at", "removed_by", "removal_reason"])
    return bool(removed)


def remove_recipients(recipients: QuerySet[Recipient], *, by: User, reason: str) -> int:
    """Remove these recipients (those not removed already) in a few statements, whatever
    their number; returns how many were removed. Each gets its own entry in the audit trail,
    as if removed one by one."""
    reason = (reason or "").strip()
    if not reason:
        raise RemovalRefused("Enter why the recipient is removed: the reason is kept for audit.")
    now = timezone.now()
    with transaction.atomic():
        # Locked, so that two removals of the same people count each one once.
        chosen = list(
            recipients.filter(removed_at__isnull=True)
            .select_for_update()
            .values_list("pk", "account_id")
        )
        ids = [pk for pk, _ in chosen]
        removed = Recipient.objects.filter(pk__in=ids, removed_at__isnull=True).update(
            removed_at=now, removed_by=by, removal_reason=reason
        )
        # Signs them out everywhere too: sessions of an inactive user are refused.
        accounts = [account for _, account in chosen if account is not None]
        User.objects.filter(pk__in=accounts).update(is_active=False)
        # The reason stays on the recipients (it is free text): the trail says who and when.
        record_each(
            AuditEvent.Action.RECIPIENT_REMOVED, actor=by, targets=(f"recipient {pk}" for pk in ids)
        )
    return removed
