"""An upload's email changes (engine/reconcile.py): a re-uploaded row for a person loaded at
its location with another address, not set up yet, is applied only when a manager accepts it
(the Low Volume review's checkbox per row, the upload page's "Review changes" for the other
doors), and then exactly as a correction of the address on the recipient's page is
(recipients.selfservice.correct_email): the new address and username, a welcome email to the
new address with a new link, earlier links dead, the audit trail.

Each change is accepted once: its row is claimed by a conditional update in the transaction
that corrects the address, so two managers (or two clicks) accepting it at once correct it
once; a refusal (the person set up their account meanwhile, or was removed) leaves it
unaccepted, with why.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from providers.models import User
from recipients import selfservice

from .models import Upload, UploadEmailChange


@dataclass
class Accepted:
    """What became of the changes a manager accepted: the lines corrected, and why others
    were not."""

    lines: list[int] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def changes_of(upload: Upload) -> QuerySet[UploadEmailChange]:
    """The upload's email changes in line order, each with its recipient as it is now."""
    return upload.email_changes.select_related("recipient").order_by("line")


def pending_changes(upload: Upload) -> QuerySet[UploadEmailChange]:
    """The changes a manager may still accept."""
    return changes_of(upload).filter(
        registered=False, accepted_at__isnull=True, recipient__removed_at__isnull=True
    )


def accept_changes(upload: Upload, *, lines: Collection[int], by: User) -> Accepted:
    """Accept the upload's pending changes of these lines (any other line is ignored)."""
    accepted = Accepted()
    for change in pending_changes(upload).filter(line__in=lines):
        try:
            if _accept(change, by=by):
                accepted.lines.append(change.line)
        except selfservice.SelfServiceRefused as refusal:
            accepted.refused.append(f"Line {change.line}: {refusal}")
    return accepted


def _accept(change: UploadEmailChange, *, by: User) -> bool:
    """Correct the address, once; False if the change was accepted meanwhile."""
    with transaction.atomic():
        claimed = UploadEmailChange.objects.filter(pk=change.pk, accepted_at__isnull=True).update(
            accepted_at=timezone.now(), accepted_by=by
        )
        if not claimed:
            return False
        # A refusal is raised out of the transaction: the claim is undone with it.
        selfservice.correct_email(change.recipient, change.email, by=by)
    return True
