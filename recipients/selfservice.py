"""What a manager fixes on a recipient's page without the help desk: sending the welcome email
again, and correcting an email address the file had wrong (a typo such as `gmial.com`).

Both queue the welcome email through the outbox, which sits below this app. Callable without a
request; the views add the rate limits.

Decisions, where the guide is silent:
- Both are for a recipient whose portal account is not set up yet. Once they have chosen a
  password the welcome email has done its work: nothing here resets a password (a manager must
  not be able to take over a recipient's account), and "Forgot password", by username, is the
  recipient's own way back in. An address they set up their account from was delivered, so it is
  no typo, and their username (how they sign in) is made from it: changing it is the help desk's
  work, with the recipient.
- A fresh link: the account's unusable password is drawn again, and every earlier set-up link
  hashes it (recipients.tokens), so those stop working at once. The new email's link is made when
  it is sent (portal.emails.welcome_message), so it is the only one that works.
- One waiting at a time: while a welcome email for the account is still queued, nothing more is
  queued (a double click, a second manager); the one waiting is composed when it goes, with a
  fresh link, to the address on file then.
- A correction changes the recipient's and the account's email; the username becomes the next
from .placeholders import is_placeholder_email
- The audit trail says who, when, which recipient (by number) and which fields changed, never
  the addresses: the trail holds no personal data (audit.models). The recipient row holds the new
  address; the old one is kept nowhere.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction

from audit.models import AuditEvent
from audit.trail import record
from outbox.models import OutboundEmail
from outbox.queue import queue_email
from providers.models import User

from .models import Recipient
from .placeholders import is_placeholder_email
from .usernames import username_for_email

logger = logging.getLogger(__name__)

_USERNAME_ATTEMPTS = 5

NOT_RESENT_SET_UP = (
    "They have already set up their portal account, so there is no welcome link to send "
    "again. If they forgot their password, they can choose a new one with “Forgot password” "
    "on the COVID-19 Vaccine Portal's sign-in page."
)
NOT_CORRECTED_SET_UP = (
    "They have already set up their portal account with this address and sign in with a "
    "username made from it, so it cannot be changed here. Contact the CVMS Help Desk if it "
    "must change."
)
NO_ACCOUNT = "This recipient has no portal account, so there is no welcome email to send."
NOT_RESENT_PLACEHOLDER = (
    "This recipient's email address is a placeholder that nobody reads, so no welcome email is "
    "sent to it. Correct the email address when you have their real one: the welcome email "
    "goes then."
)
NOT_CORRECTED_PLACEHOLDER = (
    "This is a placeholder address that nobody reads, not a real one: enter the recipient's "
    "own email address."
)
SAME_EMAIL = "This is already the recipient's email address. Enter the corrected address."
REMOVED = "This recipient was removed by the help desk."


class SelfServiceRefused(Exception):
    """Why it cannot be done from the recipient's page; the message says what to do instead."""


def resend_welcome(recipient: Recipient, *, by: User) -> bool:
    """Queue the welcome email again, with a fresh link; links sent before stop working.

    False when one is waiting to be sent already (nothing is changed then: its link is made
    when it goes).
    """
    with transaction.atomic():
        _lock(recipient)
        account = _account_not_set_up(recipient, refusal=NOT_RESENT_SET_UP)
        if account is None:
            raise SelfServiceRefused(NO_ACCOUNT)
        if is_placeholder_email(recipient.email):
            raise SelfServiceRefused(NOT_RESENT_PLACEHOLDER)
        if _welcome_waiting(account):
            return False
        _expire_setup_links(account)
        account.save(update_fields=["password"])
        if not _queue_welcome(account):
            return False
        record(
            AuditEvent.Action.WELCOME_RESENT,
            actor=by,
            target=f"recipient {recipient.pk}",
            detail="Welcome email queued with a new link; earlier links no longer work.",
        )
    logger.info("Recipient %s: welcome email queued again", recipient.pk)
    return True


def correct_email(recipient: Recipient, email: str, *, by: User) -> bool:
    """Change the recipient's email (an address already checked by the file engine's rules),
    and their portal username with it, and send the welcome email to the new address.

    Returns whether a welcome email was queued (False: one was waiting already, and it goes to
    the new address). `recipient` (and its account) hold the new values afterwards.
    """
    with transaction.atomic():
        _lock(recipient)
        if email == recipient.email:
            raise SelfServiceRefused(SAME_EMAIL)
        if is_placeholder_email(email):
            # A correction is for reaching the recipient; a placeholder reaches nobody.
            raise SelfServiceRefused(NOT_CORRECTED_PLACEHOLDER)
        account = _account_not_set_up(recipient, refusal=NOT_CORRECTED_SET_UP)
        recipient.email = email
        recipient.save(update_fields=["email"])
        if account is None:
            queued, detail = False, ["Email changed", "no portal account, so no email sent"]
        else:
            detail = ["Email changed", *_change_account_email(account, email)]
            queued = _queue_welcome(account)
            detail.append(
                "welcome email queued for the new address"
                if queued
                else "the welcome email already waiting goes to the new address"
            )
            recipient.account = account
        record(
            AuditEvent.Action.EMAIL_CORRECTED,
            actor=by,
            target=f"recipient {recipient.pk}",
            detail="; ".join(detail) + ".",
        )
    logger.info("Recipient %s: email corrected", recipient.pk)
    return queued


def _lock(recipient: Recipient) -> None:
    """Hold the recipient's row until the transaction ends: two managers' requests for the
    same recipient go one after the other, and one removed meanwhile is refused."""
    if not Recipient.objects.active().select_for_update().filter(pk=recipient.pk).exists():
        raise SelfServiceRefused(REMOVED)


def _account_not_set_up(recipient: Recipient, *, refusal: str) -> User | None:
    """The recipient's portal account as it is now (None if they have none), if they have not
    chosen a password yet; `refusal` if they have."""
    if recipient.account_id is None:
        return None
    account = User.objects.select_for_update().get(pk=recipient.account_id)
    if account.has_usable_password():
        raise SelfServiceRefused(refusal)
    return account


def _change_account_email(account: User, email: str) -> list[str]:
    """The account follows the new address: its email, its username (unique: a name another
    request took at this instant is picked again), and links sent before stop working. Returns
    what changed besides the email, for the audit trail."""
    _expire_setup_links(account)
    old_username = account.username
    for _ in range(_USERNAME_ATTEMPTS):
        account.email = email
        account.username = username_for_email(email, current=old_username)
        try:
            with transaction.atomic():
                account.save(update_fields=["email", "username", "password"])
        except IntegrityError:
            continue
        return ["portal username changed"] if account.username != old_username else []
    raise RuntimeError("Could not find a free portal username; other imports kept taking it.")


def _expire_setup_links(account: User) -> None:
    # Unusable still (the recipient has chosen none), but another one: every set-up link
    # made before hashes the old one.
    account.set_unusable_password()


def _welcome_waiting(account: User) -> bool:
    return OutboundEmail.objects.filter(
        user=account,
        kind__in=[OutboundEmail.Kind.WELCOME, OutboundEmail.Kind.WELCOME_AGAIN],
        status=OutboundEmail.Status.QUEUED,
    ).exists()


def _queue_welcome(account: User) -> bool:
    """Queue the welcome email again unless one is waiting; whether one was queued."""
    if _welcome_waiting(account):
        return False
    # None: another request queued one at this instant (outbound_welcome_again_waiting).
    return queue_email(OutboundEmail.Kind.WELCOME_AGAIN, user=account) is not None
