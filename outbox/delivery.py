"""News about emails: what the relay answered, what a bounce message or a provider's webhook
said later. The one place an email's delivery state changes after sending starts: it writes
the history (DeliveryEvent), and tells the apps that listen (signals.delivery_changed).

News can come late and out of order (a provider reports "delivered" after a bounce it sent
first, a DSN arrives twice): a state only follows those it may follow, so old news never
undoes newer.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from .models import DeliveryEvent, OutboundEmail
from .signals import delivery_changed

logger = logging.getLogger(__name__)

Status = OutboundEmail.Status

# Which states each piece of news may follow.
_FOLLOWS = {
    Status.DELIVERED: {Status.SENDING, Status.ACCEPTED, Status.DEFERRED},
    Status.DEFERRED: {Status.SENDING, Status.ACCEPTED},
    Status.BOUNCED: {Status.SENDING, Status.ACCEPTED, Status.DEFERRED, Status.DELIVERED},
    Status.COMPLAINED: {
        Status.ACCEPTED,
        Status.DEFERRED,
        Status.DELIVERED,
        Status.BOUNCED,
    },
    Status.FAILED: {Status.SENDING, Status.QUEUED, Status.DEFERRED},
}

# The receiver's reason in plain words, by the enhanced status code (RFC 3463) it gives.
_PLAIN = [
    (re.compile(r"\b[45]\.1\.(1|0|10|3|6)\b"), "The address does not exist"),
    (re.compile(r"\b[45]\.1\.2\b|\b[45]\.4\.4\b"), "The domain does not receive email"),
    (re.compile(r"\b[45]\.2\.2\b|\b[45]\.3\.1\b"), "The mailbox is full"),
    (re.compile(r"\b[45]\.2\.1\b"), "The mailbox is closed"),
    (re.compile(r"\b[45]\.7\.\d+\b"), "Refused by the receiving mail server's policy"),
]


# The states in which an email did not (or not yet) reach its reader: said in plain words.
UNDELIVERED = frozenset({Status.BOUNCED, Status.COMPLAINED, Status.DEFERRED, Status.FAILED})


class Delivery(NamedTuple):
    pk: int
    user_id: int | None
    kind: str


def plain_reason(status: str, reason: str) -> str:
    """What a manager is told about an email that did not arrive, without jargon."""
    if status == Status.COMPLAINED:
        return "Marked as spam"
    if status == Status.DEFERRED:
        return "Delayed: the receiving mail server is still trying"
    for pattern, words in _PLAIN:
        if pattern.search(reason):
            return words
    if status == Status.FAILED:
        return "Could not be sent"
    return "Refused by the receiving mail server"


def record(
    email_ids: Sequence[int],
    status: str,
    *,
    source: str,
    reason: str = "",
    at: dt.datetime | None = None,
) -> list[Delivery]:
    """Move these emails (by id) to `status` where it may follow their state now; returns those
    moved.
    `reason` is the receiving side's own words (it can name the address: kept on the row and
    the history, never logged)."""
    at = at or timezone.now()
    with transaction.atomic():
        moved = list(
            OutboundEmail.objects.select_for_update()
            .filter(pk__in=email_ids, status__in=_FOLLOWS[status])
            .values_list("pk", "user_id", "kind")
        )
        moved = [Delivery(*row) for row in moved]
        if not moved:
            return []
        OutboundEmail.objects.filter(pk__in=[email.pk for email in moved]).update(
            status=status, reason=reason[:2000], status_changed_at=at
        )
        DeliveryEvent.objects.bulk_create(
            DeliveryEvent(email_id=email.pk, at=at, status=status, source=source, reason=reason)
            for email in moved
        )
        delivery_changed.send(sender=OutboundEmail, emails=moved, status=status)
    logger.info("%s email(s) now %s (%s)", len(moved), status, source)
    return moved


def accepted(emails: Sequence[OutboundEmail]) -> None:
    """The relay took these (already marked): the apps that listen hear it once per batch."""
    if emails:
        delivery_changed.send(
            sender=OutboundEmail,
            emails=[Delivery(email.pk, email.user_id, email.kind) for email in emails],
            status=Status.ACCEPTED,
        )
