"""A recipient's question from the recipient portal's contact form, signed in or not: a case of
kind "Recipient question" in the help desk's queue, answered by email.

Where the answers go is the one decision that matters here:

- signed in: to the account (the case's requester), whose recipient the case names;
- signed out, typing a recipient's portal username exactly: to the address on that account.
  The case names the recipient, for staff's convenience, but whoever typed a username need not
  be its owner: answering to an address they typed would hand a stranger what staff write
  about that recipient. Answered on file, the owner reads it (and learns someone asked in
  their name); the asker learns nothing;
- signed out, typing an email address: to that address, and no recipient is named (addresses
  are shared in families: a match would pass a guess to staff as a fact);
- anything else (a username nobody has): nowhere; the case says so to staff.

Whatever was typed, the asker sees the same page: it never tells whether an account exists.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from providers.models import User
from recipients.models import Recipient
from recipients.names import PORTAL_USERNAME_SUFFIX

from .cases import open_case
from .models import Case

# `email.covid19vaccine`, `email.covid19vaccine2`, ... (recipients.usernames.portal_username)
_USERNAME = re.compile(rf"{re.escape(PORTAL_USERNAME_SUFFIX)}[0-9]*\Z", re.IGNORECASE)


def is_username_or_email(value: str) -> bool:
    """A recipient portal username (an email address and the suffix) or an email address."""
    try:
        validate_email(_USERNAME.sub("", value.strip()))
    except ValidationError:
        return False
    return True


def ask(*, name: str, contact: str, question: str, account: User | None = None) -> Case:
    """Open the question's case (its confirmation emailed as any case's). `account` is the
    signed-in recipient's; `contact` what a signed-out asker typed as username or email."""
    case = Case(
        kind=Case.Kind.RECIPIENT_QUESTION,
        source=Case.Source.RECIPIENT_PORTAL,
        contact_name=name,
        description=question,
    )
    if account is not None:
        case.requester, case.contact_email = account, account.email
        case.recipient = Recipient.objects.active().filter(account=account).first()
    else:
        typed = contact.strip().lower()
        case.recipient = _recipient_named(typed)
        case.contact_email = _answer_address(typed, case.recipient)
        case.description += f"\n\n(Typed as username or email: {contact.strip()})"
    return open_case(case)


def _recipient_named(username: str) -> Recipient | None:
    if not _USERNAME.search(username):
        return None
    return (
        Recipient.objects.active()
        .filter(account__username=username, account__is_active=True)
        .select_related("account")
        .first()
    )


def _answer_address(typed: str, recipient: Recipient | None) -> str:
    if recipient is not None:
        return recipient.account.email
    if _USERNAME.search(typed):
        return ""  # a username nobody has: nowhere to answer
    try:
        validate_email(typed)
    except ValidationError:
        return ""
    return typed
