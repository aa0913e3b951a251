"""Sending what the outbox holds: in batches, over EMAIL_SESSIONS SMTP sessions at once
(outbox.sessions), each email marked as its answer comes.

A row is claimed (queued -> sending) in a short transaction that skips rows another sender
holds, so two workers never take the same email; it is marked accepted right after the mail
server accepts it, bounced at once when it refuses it for good (5xx), and tried again later
when it refuses it for now (4xx). Another failure puts it back with an exponential backoff,
and after MAX_ATTEMPTS it stays failed, visible to the help desk in the admin.

A sender works in slices of EMAIL_SEND_SLICE_SECONDS (outbox.tasks hands the rest to a fresh
task), so
a worker asked to stop (a deploy: SIGTERM, then SIGKILL some 10 s later) finishes its slice
and is gone within seconds, every email it took marked. A worker that dies mid-batch
(SIGKILL, a lost machine) leaves rows "sending"; the sweep puts them back after STALE_AFTER.
Only the emails the mail server accepted in the instant before such a crash (at most one per
session) can go out twice: we prefer that to an email that silently never goes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import smtplib
from collections.abc import Iterator, Sequence
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, Future, wait

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import bounces, delivery, sql, webhooks
from .composers import compose, related
from .models import DeliveryEvent, OutboundEmail
from .sessions import MarkFailed, Sessions

logger = logging.getLogger(__name__)

# Claiming 100 rows costs 10-20 ms (SQLite, PostgreSQL), sending them about 0.3 s.
BATCH_SIZE = 100
MAX_ATTEMPTS = 6
RETRY_AFTER = dt.timedelta(minutes=1)  # doubled at each further attempt
# A relay's temporary refusal (4xx) is retried for EMAIL_DEFERRED_GIVE_UP_HOURS, at most this
# far apart.
LONGEST_RETRY = dt.timedelta(hours=1)
# Every email says it was sent by a program (RFC 3834): auto-responders and vacation replies
# leave it alone, so the bounce address hears only bounces.
HEADERS = {"Auto-Submitted": "auto-generated"}
# How long one task sends before it hands on is EMAIL_SEND_SLICE_SECONDS (5 s): a worker's
# warm shutdown waits that long at most (and for the email in flight), well within the 10 s
# after which Docker, Kubernetes and systemd kill. Each hand-on costs a task's round trip
# through the broker, a few ms.
# A sender holds the rows it claimed for at most its slice (30 s at most) and one email's SMTP
# exchange (four replies, each within EMAIL_TIMEOUT: 40 s with the default 10 s); rows
# "sending" for longer lost their sender. With beat's sweep every minute, a dead worker's
# emails are queued again 90 to 150 s after it died: sent within 3 minutes of a worker being
# there, with room for the emails queued before them.
STALE_AFTER = dt.timedelta(seconds=90)


class AccountGone(Exception):
    """The account an email is for was deactivated (a removed recipient) before it went."""


def send_slice(length: dt.timedelta | None = None) -> bool:
    """Send due emails, batch after batch, for about `length` (EMAIL_SEND_SLICE_SECONDS);
    returns whether some may be left (the caller hands them to a fresh task rather than
    sending on). The SMTP sessions stay open for the whole slice."""
    length = length or dt.timedelta(seconds=settings.EMAIL_SEND_SLICE_SECONDS)
    until = timezone.now() + length
    with _sessions() as sessions:
        while timezone.now() < until:
            if send_due_emails(until=until, sessions=sessions) < BATCH_SIZE:
                return False
    return True


def helper_chains() -> range:
    """The numbers of the helper chains a large mailing wakes: none without PostgreSQL."""
    if not sql.helper_chains_possible():
        return range(0)
    return range(1, settings.EMAIL_SENDER_CHAINS)


@contextlib.contextmanager
def helper_chain(chain: int) -> Iterator[bool]:
    """Whether this task may send as chain `chain`: chain 0 always (it is what queueing an
    email starts: never turned away, or an email queued just as a chain ends would wait for
    the sweep); a helper chain (1 and up) only while no other task runs under its number,
    which a PostgreSQL session lock says (released when the task ends, or when a killed
    worker's connection closes). Without PostgreSQL there are no helpers: SQLite writes one
    at a time anyway."""
    if chain == 0:
        yield True
        return
    if chain not in helper_chains():
        yield False
        return
    held = sql.try_chain_lock(chain)
    try:
        yield held
    finally:
        if held:
            sql.release_chain_lock(chain)


def send_due_emails(
    limit: int = BATCH_SIZE,
    *,
    until: dt.datetime | None = None,
    sessions: Sessions | None = None,
) -> int:
    """Send up to `limit` due emails over EMAIL_SESSIONS sessions at once (`sessions`, kept
    open by the caller, or its own); returns how many were claimed.

    Past `until` no further email is started: those claimed and not tried go back to the
    queue, due at once, for the next sender. The first is always tried, so that a relay slow
    to greet still gets the emails out, one per batch.
    """
    own = sessions is None
    sessions = sessions or _sessions()
    try:
        try:
            # Before the claim, so that a relay slow to answer does not age the claim.
            sessions.open()
        except Exception as error:  # the mail server is unreachable: those due wait
            claimed = _claim(limit)
            for email in claimed:
                _failed(email, error)
            return len(claimed)
        return _send_batch(sessions, limit, until)
    finally:
        if own:
            sessions.close()


def _sessions() -> Sessions:
    return Sessions(settings.EMAIL_SESSIONS, mark=_mark_accepted_ids)


def _send_batch(sessions: Sessions, limit: int, until: dt.datetime | None) -> int:
    claimed = _claim(limit)
    in_flight: dict[Future, OutboundEmail] = {}
    accepted: list[OutboundEmail] = []
    # Each email is marked as soon as the relay accepted it: by the sessions' marking thread
    # when they have one (all accepted meanwhile in one statement), else here
    # (sql.marks_from_threads says when another thread may).
    marks_in_sessions = sessions.threaded and sql.marks_from_threads()
    room = sessions.capacity if marks_in_sessions else sessions.count
    try:
        for number, email in enumerate(claimed):
            if number and until is not None and timezone.now() >= until:
                _release(claimed[number:])
                break
            message = _composed(email)
            if message is None:
                continue
            in_flight[sessions.submit(message, email.pk if marks_in_sessions else None)] = email
            if len(in_flight) >= room:
                accepted += _settle(in_flight, FIRST_COMPLETED, marked=marks_in_sessions)
    finally:
        accepted += _settle(in_flight, ALL_COMPLETED, marked=marks_in_sessions)
    delivery.accepted(accepted)
    return len(claimed)


def _settle(
    in_flight: dict[Future, OutboundEmail], how: str, *, marked: bool
) -> list[OutboundEmail]:
    """Record what the relay answered for those sent (the first one, or all); returns those
    it accepted (`marked` already by the sessions, or marked here). Each is marked as soon
    as its answer is in: a worker killed then sends again only the emails in flight, at most
    the sessions' capacity (README, "Which email can be sent twice")."""
    if not in_flight:
        return []
    done, _ = wait(list(in_flight), return_when=how)
    accepted = []
    for future in done:
        email = in_flight.pop(future)
        if _answered(email, future.exception(), marked=marked):
            accepted.append(email)
    return accepted


def _mark_accepted(email: OutboundEmail) -> None:
    _mark_accepted_ids([email.pk])


def _mark_accepted_ids(email_ids: Sequence[int]) -> None:
    """The relay took these. A provider's webhook may have said more already (delivered)
    before this commits: that state stays, only the time is written."""
    sql.mark_accepted(email_ids, timezone.now())


def requeue_stale(now: dt.datetime | None = None) -> int:
    """Put back emails whose sender died while they were claimed."""
    now = now or timezone.now()
    return OutboundEmail.objects.filter(
        status=OutboundEmail.Status.SENDING, last_attempt_at__lt=now - STALE_AFTER
    ).update(status=OutboundEmail.Status.QUEUED, next_attempt_at=now)


def more_than_a_batch_due() -> bool:
    """Whether a mailing is large enough for the helper chains (none without PostgreSQL)."""
    return bool(helper_chains()) and _due()[BATCH_SIZE : BATCH_SIZE + 1].exists()


def _due():
    return OutboundEmail.objects.filter(
        status=OutboundEmail.Status.QUEUED, next_attempt_at__lte=timezone.now()
    )


def has_due_emails() -> bool:
    return _due().exists()


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
        .select_related(*related())
        .order_by("id")
    )


def _release(emails: list[OutboundEmail]) -> None:
    """Claimed, never tried: queued again as they were, the claim not counted as an attempt."""
    OutboundEmail.objects.filter(
        pk__in=[email.pk for email in emails], status=OutboundEmail.Status.SENDING
    ).update(status=OutboundEmail.Status.QUEUED, attempts=F("attempts") - 1)


def _composed(email: OutboundEmail) -> EmailMessage | None:
    """The message to send; None when there is none (the email is marked failed, with why)."""
    if email.user is not None and not email.user.is_active:
        # Nobody to welcome any more: kept as failed, with why, and never retried.
        email.attempts = MAX_ATTEMPTS
        _failed(email, AccountGone("the account was deactivated before the email was sent"))
        return None
    try:
        return _prepared(compose(email), email)
    except Exception as error:
        _failed(email, error)
        return None


def _answered(email: OutboundEmail, error: BaseException | None, *, marked: bool) -> bool:
    """Record the relay's answer to one email (unless its session `marked` it accepted
    already); whether it accepted it."""
    if isinstance(error, MarkFailed):
        # Accepted, and the sessions could not mark it (no database connection for their
        # marking thread: max_connections reached, say): marked here, over the sender's
        # connection.
        # It is still in flight until now, so no more are sent meanwhile. Should this fail
        # too, the slice stops and the sweep puts the email back (README, "Which email can be
        # sent twice").
        logger.warning(
            "Email %s: its session could not mark it (%s)", email.pk, type(error.__cause__)
        )
        marked = False
        error = None
    if error is None:
        if not marked:
            _mark_accepted(email)
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        # One recipient per email: its answer to RCPT TO.
        (code, text), *_ = error.recipients.values()
        _refused(email, code, text)
    elif isinstance(error, smtplib.SMTPDataError):  # refused after the message itself
        _refused(email, error.smtp_code, error.smtp_error)
    else:
        _failed(email, error)
    return False


def _prepared(message: EmailMessage, email: OutboundEmail) -> EmailMessage:
    message.extra_headers = {**HEADERS, **message.extra_headers}
    # Through a provider (django-anymail), its webhooks name the email by this.
    message.metadata = {webhooks.METADATA_KEY: str(email.pk)}
    if settings.BOUNCE_ADDRESS:
        # The From: people see stays; the envelope sender, where bounces go, names this email.
        message.extra_headers.setdefault("From", message.from_email)
        message.from_email = bounces.verp_address(email.pk)
    return message


def _refused(email: OutboundEmail, code: int, text: bytes | str) -> None:
    """The relay refused the address or the message: for good (5xx), bounced at once with
    its reason; for now (4xx), tried again later, until EMAIL_DEFERRED_GIVE_UP_HOURS."""
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    reason = f"{code} {words}"[:2000]
    now = timezone.now()
    if code >= 500:
        delivery.record([email.pk], OutboundEmail.Status.BOUNCED, source="relay", reason=reason)
        logger.warning("Email %s refused for good by the relay (%s)", email.pk, code)
        return
    since = email.deferred_since or now
    give_up = since + dt.timedelta(hours=settings.EMAIL_DEFERRED_GIVE_UP_HOURS)
    if now >= give_up:
        delivery.record(
            [email.pk],
            OutboundEmail.Status.FAILED,
            source="relay",
            reason=f"Still refused for now after {settings.EMAIL_DEFERRED_GIVE_UP_HOURS} "
            f"hours; given up. Last answer: {reason}",
        )
        logger.error("Email %s given up: the relay kept deferring it", email.pk)
        return
    retry_at = now + min(RETRY_AFTER * 2 ** max(email.attempts - 1, 0), LONGEST_RETRY)
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundEmail.Status.QUEUED,
        next_attempt_at=min(retry_at, give_up),
        deferred_since=since,
        last_error=reason,
        reason=reason,
    )
    DeliveryEvent.objects.create(
        email_id=email.pk, status=OutboundEmail.Status.DEFERRED, source="relay", reason=reason
    )
    logger.warning("Email %s deferred by the relay (%s); retrying", email.pk, code)


def _failed(email: OutboundEmail, error: BaseException) -> None:
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
