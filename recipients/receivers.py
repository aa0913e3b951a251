"""What the recipients app hears from the others: the fate of welcome emails (outbox)."""

from __future__ import annotations

from django.dispatch import receiver

from audit.models import AuditEvent
from audit.trail import record
from outbox.delivery import Delivery
from outbox.models import PROBLEMS, OutboundEmail
from outbox.signals import delivery_changed

from .models import Recipient

WELCOME_KINDS = {OutboundEmail.Kind.WELCOME, OutboundEmail.Kind.WELCOME_AGAIN}
_THROUGH = {OutboundEmail.Status.ACCEPTED, OutboundEmail.Status.DELIVERED}


@receiver(delivery_changed, dispatch_uid="recipients.welcome_delivery")
def welcome_delivery(sender, emails: list[Delivery], status: str, **kwargs) -> None:
    welcome = [email for email in emails if email.kind in WELCOME_KINDS and email.user_id]
    if not welcome:
        return
    if status in PROBLEMS:
        for email in welcome:
            _flag(email, status)
    elif status in _THROUGH:
        _clear(welcome)


def _flag(email: Delivery, status: str) -> None:
    # News of an older email never flags a recipient a newer one already reached.
    newer_went = OutboundEmail.objects.filter(
        user_id=email.user_id, kind__in=WELCOME_KINDS, pk__gt=email.pk, status__in=_THROUGH
    ).exists()
    if newer_went:
        return
    flagged = Recipient.objects.filter(account_id=email.user_id)
    for pk in flagged.values_list("pk", flat=True):
        record(
            AuditEvent.Action.WELCOME_UNDELIVERED,
            target=f"recipient #{pk}",
            detail=f"welcome email #{email.pk}: {status}",
        )
    flagged.update(welcome_problem=status, welcome_problem_email_id=email.pk)


def _clear(emails: list[Delivery]) -> None:
    """One look-up for a batch (almost nobody is flagged), an update for those flagged by an
    older email."""
    newest = {email.user_id: email.pk for email in emails}
    flagged = Recipient.objects.filter(
        account_id__in=newest, welcome_problem_email__isnull=False
    ).values_list("pk", "account_id", "welcome_problem_email_id")
    cleared = [pk for pk, account, problem in flagged if problem < newest[account]]
    if cleared:
        Recipient.objects.filter(pk__in=cleared).update(
            welcome_problem="", welcome_problem_email=None
        )
