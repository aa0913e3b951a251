"""Accounts made for people rather than by them: a help-desk registration's temporary password,
and a new manager's link to set their own."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import User

# No look-alikes (0/O, 1/l/I): people copy it from an email by hand.
TEMPORARY_PASSWORD_CHARS = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105
TEMPORARY_PASSWORD_LENGTH = 14


def issue_temporary_password(user: User) -> str:
    """A fresh random password for the account, returned once to be emailed; only its hash is
    stored. The account must replace it at the first sign-in (helpdesk.middleware)."""
    password = get_random_string(TEMPORARY_PASSWORD_LENGTH, TEMPORARY_PASSWORD_CHARS)
    user.set_password(password)
    user.save(update_fields=["password"])
    return password


def password_setup_url(user: User) -> str:
    """The provider portal's set-a-password link (its reset link: it works once, for
    PASSWORD_RESET_TIMEOUT)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("providers:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return settings.SITE_URL + path
