"""Queueing an email: one row in the caller's transaction, sent by a task once it commits.

Every app queues its email here (`queue_email`, or `queue_message` for one written now); the
bulk writer of an import inserts its welcome emails itself, in the same statement batch as the
recipients, and calls `send_emails_after_commit`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Collection

from celery import current_app
from django.db import IntegrityError, transaction
from django.utils import timezone

from providers.models import User

from .models import OutboundEmail

SEND_EMAILS_TASK = "outbox.tasks.send_emails"


def queue_email(
    kind: str,
    *,
    user: User | None = None,
    to_email: str = "",
    subject: str = "",
    body: str = "",
    one_waiting: bool = False,
    not_before: dt.datetime | None = None,
) -> OutboundEmail | None:
    """Record an email of `kind` for `user` (or, for a message only, to a bare `to_email`
    with no account behind it), sent once the caller's transaction commits (and not before
    `not_before`: beat's sweep sends it then).

    With `one_waiting`, nothing is queued while one of this kind for this account still
    waits (a double click): it is composed when it goes, so it is as fresh as a new one.
    Returns the email, or None when nothing was queued (one waits, or the table's unique
    constraints say this account has had its one email of this kind).
    """
    if user is None and (kind != OutboundEmail.Kind.MESSAGE or not to_email):
        raise ValueError("only a message may go to a bare address, and it needs one")
    if one_waiting and user is not None and _waiting(kind, user):
        return None
    try:
        with transaction.atomic():
            email = _recorded(kind, user, to_email, subject, body, not_before)
    except IntegrityError:
        return None  # another request queued it at this instant, or it went already
    send_emails_after_commit()
    return email


def queue_message(
    user: User | None, *, subject: str, body: str, to_email: str = ""
) -> OutboundEmail:
    """A message written now (the help desk's emails, reminders, answers), to `user`'s email
    as it is when sent, or to `to_email` when there is no account."""
    if user is None and not to_email:
        raise ValueError("a message needs an account or an address")
    email = _recorded(OutboundEmail.Kind.MESSAGE, user, to_email, subject, body)
    send_emails_after_commit()
    return email


def _recorded(
    kind: str,
    user: User | None,
    to_email: str,
    subject: str,
    body: str,
    not_before: dt.datetime | None = None,
) -> OutboundEmail:
    """The outbox's one row-maker: to the account's email as it is when sent, or to the bare
    `to_email` when there is no account; due at once, or at `not_before`."""
    return OutboundEmail.objects.create(
        kind=kind,
        user=user,
        to_email="" if user is not None else to_email,
        subject=subject[:200],
        body=body,
        next_attempt_at=not_before or timezone.now(),
    )


def send_emails_after_commit() -> None:
    """Start sending once the emails' rows are committed. Robust: should the broker be down,
    the error is logged rather than failing the request that recorded the email; beat's sweep
    sends it within a minute. (Django's log line names the callback's __qualname__, which a
    bare partial lacks.)"""
    send = functools.update_wrapper(functools.partial(_send_task, SEND_EMAILS_TASK), _send_task)
    transaction.on_commit(send, robust=True)


def cancel_waiting(email_ids: Collection[int], *, reason: str) -> int:
    """Take back these emails if they still wait; returns how many were.

    Race-free with the sender: the sender claims a row (queued -> sending) under a row lock,
    and this update changes only rows still queued, so for every email exactly one of the two
    wins. Run inside a transaction, a caller that needs all or none compares the figure with
    len(email_ids) and rolls back: the rows it cancelled stay locked until then, so the sender
    cannot take them in between."""
    now = timezone.now()
    fields = {"status": OutboundEmail.Status.CANCELLED, "reason": reason, "status_changed_at": now}
    return sum(_waiting_among(chunk).update(**fields) for chunk in _chunks(email_ids))


def send_waiting_now(email_ids: Collection[int]) -> int:
    """Make these emails, held until later, due now, and start sending once committed."""
    now = timezone.now()
    due = sum(_waiting_among(chunk).update(next_attempt_at=now) for chunk in _chunks(email_ids))
    if due:
        send_emails_after_commit()
    return due


def _waiting_among(email_ids: list[int]):
    # The ids themselves, not a join: PostgreSQL re-checks `status` on the row it waited for
    # only when the condition is on the row, not inside a subquery.
    return OutboundEmail.objects.filter(pk__in=email_ids, status=OutboundEmail.Status.QUEUED)


def _chunks(email_ids: Collection[int], size: int = 10000) -> list[list[int]]:
    """Within any database's limit of bound parameters."""
    ids = sorted(email_ids)  # one lock order for every caller
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def _waiting(kind: str, user: User) -> bool:
    return OutboundEmail.objects.filter(
        kind=kind, user=user, status=OutboundEmail.Status.QUEUED
    ).exists()


def _send_task(task: str) -> None:
    # By name: the tasks module sits on top and nothing imports it.
    current_app.signature(task).delay()
