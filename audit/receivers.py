"""Sign-ins and lockouts, into the trail (connected by AuditConfig)."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from providers.models import User, normalize_login_email

from .models import AuditEvent
from .trail import record


@receiver(user_logged_in, dispatch_uid="audit-signed-in")
def on_signed_in(sender, request, user: User, **kwargs) -> None:
    record(AuditEvent.Action.SIGNED_IN, actor=user, target=request.path[:100] if request else "")


@receiver(user_locked_out, dispatch_uid="audit-locked-out")
def on_locked_out(sender, request, username: str, ip_address: str, **kwargs) -> None:
    # The account (not the typed text: it may be anyone's email) when it exists.
    account = User.objects.filter(username=normalize_login_email(username or "")).first()
    record(AuditEvent.Action.LOCKED_OUT, actor=account, target=request.path[:100])
