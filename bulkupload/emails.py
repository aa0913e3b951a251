"""The emails the outbox sends: a welcome per created recipient, a summary to the manager,
for the help desk its stored messages and the two account emails that carry a secret, and a
recipient's "Forgot password" link.

Composition only; bulkupload.outbox decides when they are sent.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from providers.accounts import issue_temporary_password
from providers.accounts import password_setup_url as provider_password_setup_url
from providers.models import User
from recipients.tokens import password_setup_token

from .models import OutboundEmail, Upload

WELCOME_SUBJECT = "Welcome to the North Carolina COVID-19 Vaccine Portal"
RECIPIENT_PASSWORD_RESET_SUBJECT = "Reset your COVID-19 Vaccine Portal password"  # noqa: S105

# The recipient portal's pages the emails link to without a token: the portal, an app above
# this one, fills them in (PortalConfig.ready) with the path of each, so no app below it names
# its URLs. One missing is a KeyError when the email is composed: the outbox keeps it failed,
# with why, rather than send a broken link.
RECIPIENT_PAGES: dict[str, Callable[[], str]] = {}
RECIPIENT_HELP_PAGE = "help"  # the contact form: "Need support? Submit your question ..."


def register_recipient_page(name: str, path: Callable[[], str]) -> None:
    RECIPIENT_PAGES[name] = path


def recipient_page_url(name: str) -> str:
    """The page's full address (SITE_URL and its path)."""
    return settings.SITE_URL + RECIPIENT_PAGES[name]()


def password_setup_url(account: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(account.pk))
    token = password_setup_token.make_token(account)
    # By name: the page is the recipient portal's, an app above this one.
    path = reverse("portal:password_setup", kwargs={"uidb64": uid, "token": token})
    return settings.SITE_URL + path


def welcome_message(account: User) -> EmailMultiAlternatives:
    """The guide's "CVMS COVID-19 Portal Email Notification", for one recipient's account."""
    context = {
        "recipient": account.recipient,
        "username": account.username,
        "setup_url": password_setup_url(account),
        "portal_url": settings.SITE_URL + reverse("portal:home"),
        "help_url": recipient_page_url(RECIPIENT_HELP_PAGE),
    }
    message = EmailMultiAlternatives(
        subject=WELCOME_SUBJECT,
        body=render_to_string("emails/welcome.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[account.email],
    )
    message.attach_alternative(render_to_string("emails/welcome.html", context), "text/html")
    return message


def error_file_name(upload: Upload) -> str:
    stem = upload.file_name.rsplit(".", 1)[0] or "recipients"
    return f"{stem}-failed-records.csv"


def upload_summary_message(upload: Upload) -> EmailMessage:
    """To the manager who uploaded: the counts, and the failed records attached when any."""
    error_file = bytes(upload.error_file) if upload.failed_count and upload.error_file else b""
    # Past the limit the failed records are a link (sign-in required) instead: base64 makes
    # an attachment a third larger, and a 5 MB upload's file doubled past SMTP limits.
    attach = 0 < len(error_file) <= settings.SUMMARY_ATTACHMENT_MAX_BYTES
    context = {
        "upload": upload,
        "location": upload.location,
        "reports_url": settings.SITE_URL + reverse("bulkupload:reports"),
        "attached": attach,
        "error_file_url": settings.SITE_URL + reverse("bulkupload:error_file", args=[upload.pk]),
    }
    # Worded by the outcome, as the pages are: a partly or wholly failed upload never reads
    # like a success in the inbox.
    subject = f"Recipient Bulk Upload: {upload.outcome_summary.rstrip('.')} ({upload.file_name})"
    message = EmailMessage(
        subject=subject,
        body=render_to_string("emails/upload_summary.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[upload.uploaded_by.email],
    )
    if attach:
        message.attach(error_file_name(upload), error_file, "text/csv")
    return message


def stored_message(email: OutboundEmail) -> EmailMessage:
    """A message written when it was queued (the help desk's case emails), to its account or,
    with none, to its bare address (OutboundEmail.to_email)."""
    return EmailMessage(
        subject=email.subject,
        body=email.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.user.email if email.user is not None else email.to_email],
    )


def temporary_password_message(user: User) -> EmailMessage:
    """The help desk's registration email: the username and a temporary password (guide, first
    page), made now so that no password ever sits in the outbox. An account that has signed in
    since keeps its own password and is told how to sign in instead."""
    context = {
        "user": user,
        "login_url": settings.SITE_URL + reverse("helpdesk:login"),
        "reset_url": settings.SITE_URL + reverse("providers:password_reset"),
        "password": issue_temporary_password(user) if user.last_login is None else "",
    }
    return EmailMessage(
        subject="Your CVMS Help Desk Portal account",
        body=render_to_string("emails/helpdesk_account.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )


def account_setup_message(user: User) -> EmailMessage:
    """A new Healthcare Location Manager's link to set their password (help-desk onboarding)."""
    context = {
        "user": user,
        "setup_url": provider_password_setup_url(user),
        "login_url": settings.SITE_URL + reverse("providers:login"),
        "locations": [role.location for role in user.location_roles.select_related("location")],
    }
    return EmailMessage(
        subject="Your CVMS Provider Portal account",
        body=render_to_string("emails/account_setup.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )


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
