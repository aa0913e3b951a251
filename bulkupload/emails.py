"""The emails an upload causes: a welcome per created recipient, a summary to the manager.

Composition only; bulkupload.outbox decides when they are sent.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from providers.models import User
from recipients.tokens import password_setup_token

from .models import Upload

WELCOME_SUBJECT = "Welcome to the North Carolina COVID-19 Vaccine Portal"


def password_setup_url(account: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(account.pk))
    token = password_setup_token.make_token(account)
    path = reverse("recipients:password_setup", kwargs={"uidb64": uid, "token": token})
    return settings.SITE_URL + path


def welcome_message(account: User) -> EmailMultiAlternatives:
    """The guide's "CVMS COVID-19 Portal Email Notification", for one recipient's account."""
    context = {
        "recipient": account.recipient,
        "username": account.username,
        "setup_url": password_setup_url(account),
        "portal_url": settings.SITE_URL + "/portal/",
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
    context = {
        "upload": upload,
        "location": upload.location,
        "reports_url": settings.SITE_URL + reverse("bulkupload:reports"),
    }
    subject = (
        f"Recipient Bulk Upload: {upload.created_count} successful, "
        f"{upload.failed_count} failed ({upload.file_name})"
    )
    message = EmailMessage(
        subject=subject,
        body=render_to_string("emails/upload_summary.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[upload.uploaded_by.email],
    )
    if upload.failed_count and upload.error_file:
        message.attach(error_file_name(upload), bytes(upload.error_file), "text/csv")
    return message
