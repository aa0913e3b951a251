"""Bounces from a relay we run (VERP): each email leaves with its own envelope sender,
`<local>+<id>-<signature>@<domain>` from BOUNCE_ADDRESS, so the bounce the receiving side sends
back names the email itself. The relay delivers mail for that address into a Maildir
(BOUNCE_MAILDIR), which `read_maildir` reads (beat, every minute; `manage.py read_bounces`).

Parsed with the standard library's email parser, not flufl.bounce: the email is found by the
signed id in the address the bounce was sent to, never by guessing from the failed address,
which is what flufl.bounce's thirty-odd detectors extract (and all they extract: no reason, no
"for good or for now"). What we need from the bounce is its verdict and the receiver's words,
which RFC 3464 delivery status notifications carry in fields (Action, Status,
Diagnostic-Code), as Postfix, Exim, Gmail and Microsoft all send them; complaints come as
RFC 5965 feedback reports. A bounce of another shape counts as bounced only where it quotes a
permanent SMTP answer (5xx with an enhanced code); anything else is unparseable. An unparseable
or forged message (no id, a bad signature) changes nothing: it is counted, logged without its
content, and moved to `failed/` for a person to look at.
"""

from __future__ import annotations

import dataclasses
import email
import email.policy
import hmac
import logging
import re
from email.message import EmailMessage, Message
from email.utils import getaddresses
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.utils.crypto import salted_hmac

from . import delivery
from .models import OutboundEmail

logger = logging.getLogger(__name__)

Status = OutboundEmail.Status

_SALT = "outbox.bounces.verp"
_SIGNATURE_LENGTH = 16
# The headers a relay writes the envelope recipient into, most precise first.
_RECIPIENT_HEADERS = ("X-Original-To", "Delivered-To", "Envelope-To", "X-Envelope-To", "To")
_ACTIONS = {"failed": Status.BOUNCED, "delayed": Status.DEFERRED, "delivered": Status.DELIVERED}
# A permanent SMTP answer quoted in a bounce of no standard shape: "550 5.1.1 ...".
_PERMANENT_ANSWER = re.compile(r"\b5\d\d[ -]5\.\d{1,3}\.\d{1,3}\b[^\r\n]*")


class NotOurs(Exception):
    """No VERP id of ours in the bounce's recipient, or one with a bad signature."""


class Bounce(NamedTuple):
    email_id: int
    status: str
    reason: str


@dataclasses.dataclass
class Counts:
    read: int = 0
    changed: int = 0  # emails whose state the news moved
    unchanged: int = 0  # ours, but old news (or a state it may not follow)
    forged: int = 0
    unparseable: int = 0


def verp_address(email_id: int) -> str:
    """The envelope sender of one email: BOUNCE_ADDRESS with its signed id."""
    local, domain = settings.BOUNCE_ADDRESS.rsplit("@", 1)
    return f"{local}+{email_id}-{_signature(email_id)}@{domain}"


def email_id_of(address: str) -> int:
    """The email a VERP address names; NotOurs when it names none, or is forged."""
    local, _, domain = address.strip().lower().partition("@")
    base_local, base_domain = settings.BOUNCE_ADDRESS.lower().rsplit("@", 1)
    prefix = f"{base_local}+"
    if domain != base_domain or not local.startswith(prefix):
        raise NotOurs("not a bounce address")
    number, _, signature = local[len(prefix) :].partition("-")
    if not number.isdigit() or not hmac.compare_digest(signature, _signature(int(number))):
        raise NotOurs("bad signature")
    return int(number)


def read_bounce(raw: bytes) -> Bounce | None:
    """What a bounce says, and of which email; None when it says nothing we can read. Raises
    NotOurs for a message not sent to one of our signed addresses."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    email_id = _email_id(message)
    verdict = _feedback_report(message) or _delivery_status(message) or _quoted_answer(message)
    if verdict is None:
        return None
    status, reason = verdict
    return Bounce(email_id, status, reason)


def read_maildir(path: str | Path) -> Counts:
    """Read every new message in the Maildir at `path`: each one read is moved to `cur/`, or
    to `failed/` when forged or unparseable. A second run finds nothing new."""
    root = Path(path)
    (root / "failed").mkdir(exist_ok=True)
    counts = Counts()
    for file in sorted((root / "new").iterdir()):
        try:
            raw = file.read_bytes()
        except FileNotFoundError:  # another reader took it
            continue
        counts.read += 1
        outcome = _apply(raw, counts)
        target = root / "cur" / f"{file.name}:2,S" if outcome else root / "failed" / file.name
        try:
            file.rename(target)
        except FileNotFoundError:
            continue
    if counts.read:
        logger.info("Bounces read: %s", dataclasses.asdict(counts))
    return counts


def _signature(email_id: int) -> str:
    # Lower-case hex: a local part may reach us with its case changed.
    return salted_hmac(_SALT, str(email_id), algorithm="sha256").hexdigest()[:_SIGNATURE_LENGTH]


def _apply(raw: bytes, counts: Counts) -> bool:
    """Apply one bounce; whether it was one of ours that could be read."""
    try:
        bounce = read_bounce(raw)
    except NotOurs as error:
        counts.forged += 1
        logger.warning("A bounce was not for any email of ours (%s)", error)
        return False
    except Exception:  # a message malformed past what the parser forgives
        bounce = None
    if bounce is None:
        counts.unparseable += 1
        logger.warning("A bounce could not be read")
        return False
    moved = delivery.record([bounce.email_id], bounce.status, source="bounce", reason=bounce.reason)
    if moved:
        counts.changed += 1
    else:
        counts.unchanged += 1
    return True


def _email_id(message: Message) -> int:
    refusal = NotOurs("no bounce address")
    for header in _RECIPIENT_HEADERS:
        for _, address in getaddresses(message.get_all(header, [])):
            try:
                return email_id_of(address)
            except NotOurs as error:
                if str(error) == "bad signature":
                    refusal = error
    raise refusal


def _feedback_report(message: Message) -> tuple[str, str] | None:
    """An abuse report (RFC 5965): the person marked the email as spam."""
    if message.get_content_type() == "multipart/report" and (
        message.get_param("report-type", "").lower() == "feedback-report"
    ):
        return Status.COMPLAINED, "Marked as spam"
    return None


def _delivery_status(message: Message) -> tuple[str, str] | None:
    """A delivery status notification (RFC 3464): its first recipient's action and words."""
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        for block in blocks[1:] if isinstance(blocks, list) else []:
            action = str(block.get("Action", "")).strip().lower()
            if action in _ACTIONS:
                return _ACTIONS[action], _words(block)
    return None


def _words(block: Message) -> str:
    """ "5.1.1 mailbox does not exist" from Status and Diagnostic-Code ("smtp; 550 5.1.1 ...",
    "X-Postfix; mailbox does not exist")."""
    code = str(block.get("Status", "")).strip()
    diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).split())
    diagnostic = diagnostic.split(";", 1)[-1].strip()
    if code and code in diagnostic:
        return diagnostic[:2000]
    return f"{code} {diagnostic}".strip()[:2000]


def _quoted_answer(message: Message) -> tuple[str, str] | None:
    """A bounce of no standard shape (older Exim, qmail): bounced if it quotes a permanent
    SMTP answer, by that answer."""
    for part in message.walk():
        if part.get_content_type() == "text/plain" and isinstance(part, EmailMessage):
            found = _PERMANENT_ANSWER.search(part.get_content())
            if found:
                return Status.BOUNCED, found.group(0).strip()[:2000]
    return None
