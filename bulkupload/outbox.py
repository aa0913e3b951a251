"""Sending what the outbox holds: in batches over one connection, each email marked as it goes.

A row is claimed (queued -> sending) in a short transaction that skips rows another sender
holds, so two workers never take the same email; it is marked sent right after the mail
server accepts it. A failure puts it back with an exponential backoff, and after
MAX_ATTEMPTS it stays failed, visible to the help desk in the admin.

A sender works in slices of SEND_SLICE (bulkupload.tasks hands the rest to a fresh task), so
a worker asked to stop (a deploy: SIGTERM, then SIGKILL some 10 s later) finishes its slice
and is gone within seconds, every email it took marked. A worker that dies mid-batch
(SIGKILL, a lost machine) leaves rows "sending"; the sweep puts them back after STALE_AFTER.
Only an email the mail server accepted in the instant before such a crash can go out twice:
we prefer that to an email that silently never goes.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .emails import (
    account_setup_message,
    recipient_password_reset_message,
    stored_message,
    temporary_password_message,
    upload_summary_message,
    welcome_message,
)
from .models import OutboundEmail

logger = logging.getLogger(__name__)

# Claiming 100 rows costs 10-20 ms (SQLite, PostgreSQL), sending them about 0.3 s.
BATCH_SIZE = 100
MAX_ATTEMPTS = 6
RETRY_AFTER = dt.timedelta(minutes=1)  # doubled at each further attempt
# How long one task sends before it hands on: a worker's warm shutdown waits that long at most
# (and for the email in flight), well within the 10 s after which Docker, Kubernetes and
# systemd kill. Each hand-on costs a task's round trip through the broker, a few ms.
SEND_SLICE = dt.timedelta(seconds=5)
# A sender holds the rows it claimed for at most SEND_SLICE and one email's SMTP exchange (four
# replies, each within EMAIL_TIMEOUT: 45 s with the default 10 s); rows "sending" for longer
# lost their sender. With beat's sweep every minute, a dead worker's emails are queued again
# 90 to 150 s after it died: sent within 3 minutes of a worker being there, with room for the
# emails queued before them.
STALE_AFTER = dt.timedelta(seconds=90)

COMPOSERS = {
    OutboundEmail.Kind.WELCOME: lambda email: welcome_message(email.user),
    OutboundEmail.Kind.WELCOME_AGAIN: lambda email: welcome_message(email.user),
    OutboundEmail.Kind.UPLOAD_SUMMARY: lambda email: upload_summary_message(email.upload),
    OutboundEmail.Kind.MESSAGE: stored_message,
    OutboundEmail.Kind.TEMPORARY_PASSWORD: lambda email: temporary_password_message(email.user),
    OutboundEmail.Kind.ACCOUNT_SETUP: lambda email: account_setup_message(email.user),
    OutboundEmail.Kind.RECIPIENT_PASSWORD_RESET: (
        lambda email: recipient_password_reset_message(email.user)
    ),
}


class AccountGone(Exception):
    """The account an email is for was deactivated (a removed recipient) before it went."""


def send_slice(length: dt.timedelta = SEND_SLICE) -> bool:
    """Send due emails, batch after batch, for about `length`; returns whether some may be
    left (the caller hands them to a fresh task rather than sending on)."""
    until = timezone.now() + length
    while timezone.now() < until:
        if send_due_emails(until=until) < BATCH_SIZE:
            return False
    return True


def send_due_emails(limit: int = BATCH_SIZE, *, until: dt.datetime | None = None) -> int:
    """Send up to `limit` due emails over one connection; returns how many were claimed.

    Past `until` no further email is started: those claimed and not tried go back to the
    queue, due at once, for the next sender. The first is always tried, so that a relay slow
    to greet still gets the emails out, one per batch.
    """
    mail = get_connection()
    try:
        # Opened before the claim, so that a relay slow to answer does not age the claim.
        mail.open()
    except Exception as error:  # the mail server is unreachable: those due wait
        claimed = _claim(limit)
        for email in claimed:
            _failed(email, error)
        return len(claimed)
    try:
        claimed = _claim(limit)
        for number, email in enumerate(claimed):
            if number and until is not None and timezone.now() >= until:
                _release(claimed[number:])
                break
            _send(mail, email)
    finally:
        mail.close()
    return len(claimed)


def requeue_stale(now: dt.datetime | None = None) -> int:
    """Put back emails whose sender died while they were claimed."""
    now = now or timezone.now()
    return OutboundEmail.objects.filter(
        status=OutboundEmail.Status.SENDING, last_attempt_at__lt=now - STALE_AFTER
    ).update(status=OutboundEmail.Status.QUEUED, next_attempt_at=now)


def has_due_emails() -> bool:
    return OutboundEmail.objects.filter(
        status=OutboundEmail.Status.QUEUED, next_attempt_at__lte=timezone.now()
    ).exists()


def _claim(limit: int) -> list[OutboundEmail]:
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(status=OutboundEmail.Status.QUEUED, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:limit]
        )
        # Another sender may have claimed some between our read and this update (SQLite has
        # no row locks): the status filter makes the update take only those still queued.
        OutboundEmail.objects.filter(pk__in=ids, status=OutboundEmail.Status.QUEUED).update(
            status=OutboundEmail.Status.SENDING,
            attempts=F("attempts") + 1,
            last_attempt_at=now,
        )
    return list(
        OutboundEmail.objects.filter(
            pk__in=ids, status=OutboundEmail.Status.SENDING, last_attempt_at=now
        )
        .select_related("user__recipient", "upload__location", "upload__uploaded_by")
        .defer("upload__content")  # a summary attaches the error file, never the upload
        .order_by("id")
    )


def _release(emails: list[OutboundEmail]) -> None:
    """Claimed, never tried: queued again as they were, the claim not counted as an attempt."""
    OutboundEmail.objects.filter(
        pk__in=[email.pk for email in emails], status=OutboundEmail.Status.SENDING
    ).update(status=OutboundEmail.Status.QUEUED, attempts=F("attempts") - 1)


def _send(mail, email: OutboundEmail) -> None:
    if email.user is not None and not email.user.is_active:
        # Nobody to welcome any more: kept as failed, with why, and never retried.
        email.attempts = MAX_ATTEMPTS
        _failed(email, AccountGone("the account was deactivated before the email was sent"))
        return
    try:
        message = COMPOSERS[email.kind](email)
        message.connection = mail
        message.send()
    except Exception as error:
        _failed(email, error)
        return
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundEmail.Status.SENT, sent_at=timezone.now(), last_error=""
    )


def _failed(email: OutboundEmail, error: Exception) -> None:
    now = timezone.now()
    # The error text can name the address; it is kept on the row for the help desk, and the
    # log gets only the error's type.
    problem = f"{type(error).__name__}: {error}"[:2000]
    if email.attempts >= MAX_ATTEMPTS:
        status, retry_at = OutboundEmail.Status.FAILED, now
        logger.error("Email %s failed for good after %s attempts", email.pk, email.attempts)
    else:
        status = OutboundEmail.Status.QUEUED
        retry_at = now + RETRY_AFTER * 2 ** (email.attempts - 1)
        logger.warning(
            "Email %s attempt %s failed (%s); retrying", email.pk, email.attempts, type(error)
        )
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=status, next_attempt_at=retry_at, last_error=problem
    )
