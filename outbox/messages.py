"""Messages written when they were queued (subject and body stored: the help desk's case
emails, answers to recipients' questions, reminders): the one kind the outbox writes itself."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage

from .composers import register
from .models import OutboundEmail


def stored_message(email: OutboundEmail) -> EmailMessage:
    return EmailMessage(
        subject=email.subject,
        body=email.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.address],
    )


register(OutboundEmail.Kind.MESSAGE, stored_message)
