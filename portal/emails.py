"""The recipient portal's emails, registered with the outbox (PortalConfig.ready): the
welcome email each loaded recipient gets (and again, at a manager's request), and a
recipient's "Forgot password" link. Both link to this app's pages; both are made when sent.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from outbox.composers import register
from outbox.models import OutboundEmail
from providers.models import User
from recipients.tokens import password_setup_token

WELCOME_SUBJECT = "Welcome to the North Carolina COVID-19 Vaccine Portal"
RECIPIENT_PASSWORD_RESET_SUBJECT = "Reset your COVID-19 Vaccine Portal password"  # noqa: S105


@functools.cache
def _setup_path() -> tuple[str, str]:
    # Reversed once, not per email (a mailing of 5,000 spent a fifth of its time here): the
    # path around the two values, which reverse() would only quote (both are URL-safe).
    path = reverse("portal:password_setup", kwargs={"uidb64": "UIDB64", "token": "TOKEN"})
    before, after = path.split("UIDB64/TOKEN")
    return before, after


def password_setup_url(account: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(account.pk))
    token = password_setup_token.make_token(account)
    before, after = _setup_path()
    return f"{settings.SITE_URL}{before}{uid}/{token}{after}"


@functools.cache
def _home_path() -> str:
    return reverse("portal:home")


@functools.cache
def _help_path() -> str:
    # "Need support? Submit your question to the help desk": the contact form.
    return reverse("portal:help")


def welcome_message(account: User) -> EmailMultiAlternatives:
    """The guide's "CVMS COVID-19 Portal Email Notification", for one recipient's account."""
    context = {
        "recipient": account.recipient,
        "username": account.username,
        "setup_url": password_setup_url(account),
        "portal_url": settings.SITE_URL + _home_path(),
        "help_url": settings.SITE_URL + _help_path(),
    }
    message = EmailMultiAlternatives(
        subject=WELCOME_SUBJECT,
        body=render_to_string("emails/welcome.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[account.email],
    )
    message.attach_alternative(render_to_string("emails/welcome.html", context), "text/html")
    return message


def recipient_password_reset_message(user: User) -> EmailMessage:
    """A recipient's "Forgot password" email: a link to choose a new password, sent to the
    email on file. Made when sent, so the link (Django's password-reset token, good for
    PASSWORD_RESET_TIMEOUT) is never stored, and works for an account that never set one."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("portal:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    context = {
        "username": user.username,
        "reset_url": settings.SITE_URL + path,
        "login_url": settings.SITE_URL + reverse("portal:login"),
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // (24 * 3600)),
    }
    return EmailMessage(
        subject=RECIPIENT_PASSWORD_RESET_SUBJECT,
        body=render_to_string("emails/recipient_password_reset.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )


def _welcome(email: OutboundEmail) -> EmailMultiAlternatives:
    return welcome_message(email.user)


def _password_reset(email: OutboundEmail) -> EmailMessage:
    return recipient_password_reset_message(email.user)


register(OutboundEmail.Kind.WELCOME, _welcome, related=["user__recipient"])
register(OutboundEmail.Kind.WELCOME_AGAIN, _welcome, related=["user__recipient"])
register(OutboundEmail.Kind.RECIPIENT_PASSWORD_RESET, _password_reset)
