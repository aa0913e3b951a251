"""Registering on the CVMS Help Desk Portal (guide, first page): first name, last name, business
e-mail and a registration code, the location's Provider PIN or the generic VAC2021. The new
account is emailed its username and a temporary password.

The answer never says whether an email has an account: registering with one that has gets the
same page, and the account's owner an email saying someone tried.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django_ratelimit.core import get_usage

from outbox.models import OutboundEmail
from outbox.queue import queue_email, queue_message
from providers.models import Location, User, normalize_login_email

from .models import GENERIC_REGISTRATION_CODE, Requester

INVALID_CODE = "Invalid Registration Code"
# "Someone tried to register with your email" notices, per address: the first few say it, the
# rest would only fill the inbox (one got 14 in a minute). The page says the same either way.
ALREADY_REGISTERED_NOTICES_RATE = "3/h"


class InvalidCode(Exception):
    pass


def location_for_code(code: str) -> Location | None:
    """The location whose Provider PIN the code is; None for the generic code. Raises
    InvalidCode for anything else (an unknown PIN says no more than a malformed one)."""
    code = code.strip().upper()
    if code == GENERIC_REGISTRATION_CODE:
        return None
    location = Location.objects.filter(pin=code).first()
    if location is None:
        raise InvalidCode(INVALID_CODE)
    return location


def register(*, first_name: str, last_name: str, email: str, code: str) -> None:
    """Create the requester's account and queue its email; or, for an email that has an
    account, queue a notice to its owner instead. Raises InvalidCode."""
    location = location_for_code(code)
    username = normalize_login_email(email)
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username, None, first_name=first_name[:80], last_name=last_name[:80]
            )
            Requester.objects.create(
                user=user, location=location, registration_code=code.strip().upper()
            )
            queue_email(OutboundEmail.Kind.TEMPORARY_PASSWORD, user=user)
    except IntegrityError:  # the username exists (perhaps registered a moment ago)
        _tell_owner(User.objects.get(username=username))


def _tell_owner(user: User) -> None:
    # Counted in the cache every web process shares, keyed by the account, not the caller:
    # a registration form posted from many addresses still reaches one inbox.
    usage = get_usage(
        SimpleNamespace(user=None),
        group="helpdesk.already_registered",
        key=lambda group, request: user.username,
        rate=ALREADY_REGISTERED_NOTICES_RATE,
        increment=True,
    )
    if usage is not None and usage["should_limit"]:
        return
    queue_message(
        user,
        subject="CVMS Help Desk Portal registration",
        body=render_to_string("emails/helpdesk_already_registered.txt", {"user": user}),
    )
