"""Recipients' portal accounts: finding one by username, and "Forgot password".

The reset link goes through the outbox (composed when sent: portal.emails.
recipient_password_reset_message), to the email on file. It goes to an account that never
used its welcome link too: Django's stock reset form skips accounts without a usable password,
which every recipient has until they set one.
"""

from __future__ import annotations

from outbox.models import OutboundEmail
from outbox.queue import queue_email
from providers.models import User

from .access import recipient_of


def recipient_account(username: str) -> User | None:
    """The active recipient account with this (normalized) username; None for any other."""
    user = User.objects.filter(username=username, is_active=True).first()
    return user if recipient_of(user) is not None else None


def request_password_reset(username: str) -> bool:
    """Queue a reset link for the recipient account with this username (one waiting at a
    time); whether there is one is the caller's to keep to itself."""
    user = recipient_account(username)
    if user is None:
        return False
    queue_email(OutboundEmail.Kind.RECIPIENT_PASSWORD_RESET, user=user, one_waiting=True)
    return True
