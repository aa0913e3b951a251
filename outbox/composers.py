"""How each kind of email is written, registered by the app that owns it (in its
AppConfig.ready), so that the outbox sends every kind without importing any app above it.

A composer takes the OutboundEmail row and returns the message, made when it is sent: a link
or a temporary password it carries is fresh then, and never sits in the table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.mail import EmailMessage

from .models import OutboundEmail

Composer = Callable[[OutboundEmail], EmailMessage]

_composers: dict[str, Composer] = {}
# What the sender loads with each batch it claims (select_related), so that composing a
# hundred emails does not cost a hundred queries more.
_related: set[str] = {"user"}


class NoComposer(LookupError):
    """An email of a kind no installed app writes: kept failed, with this as its reason."""


def register(kind: str, composer: Composer, *, related: Iterable[str] = ()) -> None:
    """`composer` writes the emails of `kind`; `related` names what it reads through the row
    (e.g. "user__recipient"), loaded with the batch."""
    _composers[kind] = composer
    _related.update(related)


def compose(email: OutboundEmail) -> EmailMessage:
    try:
        composer = _composers[email.kind]
    except KeyError:
        raise NoComposer(f"no app writes {email.kind!r} emails") from None
    return composer(email)


def related() -> list[str]:
    return sorted(_related)
