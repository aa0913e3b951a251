"""The upload app's email: the summary to the manager who uploaded, registered with the
outbox (BulkuploadConfig.ready) and made when sent."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from outbox.composers import register
from outbox.models import OutboundEmail

from .models import Upload
from .welcome import welcome_counts


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
        "upload_url": settings.SITE_URL + reverse("bulkupload:upload_detail", args=[upload.pk]),
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


def _upload_summary(email: OutboundEmail) -> EmailMessage:
    upload = (
        Upload.objects.defer("content")  # a summary attaches the error file, never the upload
        .select_related("location", "uploaded_by")
        .get(summary_email__email=email)
    )
    return upload_summary_message(upload)


def bounce_digest_message(upload: Upload) -> EmailMessage:
    """To the uploader: how many welcome emails of their upload did not arrive, and the link
    to the upload's page, where the people are listed (no names in the email)."""
    context = {
        "upload": upload,
        "location": upload.location,
        "counts": welcome_counts(upload),
        "upload_url": settings.SITE_URL + reverse("bulkupload:upload_detail", args=[upload.pk]),
    }
    return EmailMessage(
        subject=f"Recipient Bulk Upload: welcome emails that did not arrive ({upload.file_name})",
        body=render_to_string("emails/bounce_digest.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[upload.uploaded_by.email],
    )


def _bounce_digest(email: OutboundEmail) -> EmailMessage:
    upload = (
        Upload.objects.without_files()
        .select_related("location", "uploaded_by")
        .get(bounce_digests__email=email)
    )
    return bounce_digest_message(upload)


register(OutboundEmail.Kind.UPLOAD_SUMMARY, _upload_summary)
register(OutboundEmail.Kind.BOUNCE_DIGEST, _bounce_digest)
