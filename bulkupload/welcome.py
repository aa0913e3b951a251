"""What became of an upload's welcome emails: the counts its page and the Reports tab show,
the people whose email did not arrive (with why, in plain words), and the uploader's digest:
an email when welcome emails of their upload bounce, at most one an hour per upload, with
counts and a link (the names stay behind the sign-in)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from outbox.models import OutboundEmail
from outbox.queue import queue_email
from providers.models import Location
from recipients.models import Recipient

from .models import Upload, UploadBounceDigest

DIGEST_EVERY = dt.timedelta(hours=1)

Status = OutboundEmail.Status


@dataclass(frozen=True)
class WelcomeCounts:
    accepted: int = 0  # the relay took them (whatever was heard since)
    delivered: int = 0
    bounced: int = 0  # refused by the relay or bounced later
    complained: int = 0
    waiting: int = 0  # not sent yet (or being tried again)
    failed: int = 0
    cancelled: int = 0  # never sent: the upload was undone (bulkupload.undo)

    @property
    def any(self) -> bool:
        return any(vars(self).values())


def welcome_counts(upload: Upload) -> WelcomeCounts:
    """The upload's welcome emails (the first one each recipient got), by what became of
    them: one query."""
    counts = OutboundEmail.objects.filter(
        kind=OutboundEmail.Kind.WELCOME, user__recipient__upload=upload
    ).aggregate(
        accepted=Count("id", filter=Q(sent_at__isnull=False)),
        delivered=Count("id", filter=Q(status=Status.DELIVERED)),
        bounced=Count("id", filter=Q(status=Status.BOUNCED)),
        complained=Count("id", filter=Q(status=Status.COMPLAINED)),
        waiting=Count("id", filter=Q(status__in=[Status.QUEUED, Status.SENDING])),
        failed=Count("id", filter=Q(status=Status.FAILED)),
        cancelled=Count("id", filter=Q(status=Status.CANCELLED)),
    )
    return WelcomeCounts(**counts)


def not_reached(upload: Upload):
    """The upload's recipients flagged now (their welcome email bounced or was marked as spam,
    and no later one went through), with the email that did not arrive."""
    return (
        Recipient.objects.active()
        .filter(
            location_id=upload.location_id,
            upload=upload,
            welcome_problem_email__isnull=False,
        )
        .select_related("welcome_problem_email")
        .order_by("name_last_first", "id")
    )


def not_reached_by_upload(location: Location, upload_ids: Iterable[int]) -> dict[int, int]:
    """How many recipients of each of these uploads are flagged: one query, through the
    flagged recipients' own small index."""
    rows = (
        Recipient.objects.active()
        .filter(location=location, upload_id__in=list(upload_ids))
        .filter(welcome_problem_email__isnull=False)
        .values("upload_id")
        .annotate(count=Count("id"))
        .order_by()
    )
    return {row["upload_id"]: row["count"] for row in rows}


def uploads_of_accounts(account_ids: Iterable[int]) -> list[int]:
    return list(
        Recipient.objects.filter(account_id__in=list(account_ids), upload__isnull=False)
        .values_list("upload_id", flat=True)
        .distinct()
    )


def queue_digest(upload_id: int) -> bool:
    """Queue the uploader's digest unless one is waiting (it is written when it goes, so it
    counts these bounces too); an hour after the last one at the earliest. Whether queued."""
    now = timezone.now()
    with transaction.atomic():
        # One request at a time per upload: two bounces read together queue one digest.
        upload = (
            Upload.objects.without_files()
            .select_for_update()
            .select_related("uploaded_by")
            .get(pk=upload_id)
        )
        latest = upload.bounce_digests.select_related("email").first()
        if latest is not None and latest.email.status in {Status.QUEUED, Status.SENDING}:
            return False
        due = now if latest is None else max(now, latest.due_at + DIGEST_EVERY)
        email = queue_email(
            OutboundEmail.Kind.BOUNCE_DIGEST, user=upload.uploaded_by, not_before=due
        )
        UploadBounceDigest.objects.create(email=email, upload=upload, due_at=due)
    return True
