"""Placeholder email addresses: what providers type for people who have no address of their
own (noemail@none.com, na@na.com...). The guide accepts any valid address, so such rows are
loaded like any other; nobody reads that mailbox, so they are sent no welcome email, and the
upload's counts, the manager's summary and Loaded Recipients say so.

Which addresses: settings.PLACEHOLDER_EMAILS, a list of patterns rather than a regular
expression, so an operator can add one without learning a syntax: `name@*` (that name at any
domain: noemail@gmail.com is as empty as noemail@none.com), `*@domain` (a domain that is
nobody's inbox), or one exact address. Case is ignored, as it is for usernames.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.db.models import Q


@functools.lru_cache(maxsize=8)
def _patterns(entries: tuple[str, ...]) -> tuple[frozenset, frozenset, frozenset]:
    names, domains, exact = set(), set(), set()
    for entry in (entry.strip().lower() for entry in entries):
        name, at, domain = entry.rpartition("@")
        if not at or not name or not domain:
            continue  # not an address pattern: ignored rather than matching everything
        if domain == "*":
            names.add(name)
        elif name == "*":
            domains.add(domain)
        else:
            exact.add(entry)
    return frozenset(names), frozenset(domains), frozenset(exact)


def _configured() -> tuple[frozenset, frozenset, frozenset]:
    return _patterns(tuple(settings.PLACEHOLDER_EMAILS))


def is_placeholder_email(email: str) -> bool:
    """Whether this address is one of the known placeholders (settings.PLACEHOLDER_EMAILS)."""
    names, domains, exact = _configured()
    address = email.strip().lower()
    name, _, domain = address.rpartition("@")
    return address in exact or name in names or domain in domains


def placeholder_email_q() -> Q:
    """The recipients whose email is a known placeholder, as a filter (Loaded Recipients)."""
    names, domains, exact = _configured()
    query = Q(pk__in=[])
    for address in sorted(exact):
        query |= Q(email__iexact=address)
    for name in sorted(names):
        query |= Q(email__istartswith=f"{name}@")
    for domain in sorted(domains):
        query |= Q(email__iendswith=f"@{domain}")
    return query


def placeholder_sentence(count: int) -> str:
    """How an upload's counts say it: "37 recipients have no real email address: they were
    not emailed." Empty for none."""
    if not count:
        return ""
    if count == 1:
        return "1 recipient has no real email address: they were not emailed."
    return f"{count:,} recipients have no real email address: they were not emailed."
