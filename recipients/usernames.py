"""Portal usernames: `email.covid19vaccine`, then `email.covid19vaccine2`, `3`, ... for family
members sharing an email. Used by an import (many at once) and by a manager's correction of an
address (one); both settle a name two requests picked at once through the unique username.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence

from django.db import connection
from django.db.models import Q

from providers.models import User

from .names import PORTAL_USERNAME_SUFFIX
from .sql import execute_arrays

_NUMBERS_LOOKED_UP = 9  # families sharing one email are rarely larger


def portal_username(email: str, number: int = 1) -> str:
    """`email.covid19vaccine`, then `email.covid19vaccine2`, `3`, ... for family members.

    Lower-cased, as sign-in lower-cases what people type.
    """
    base = email.lower() + PORTAL_USERNAME_SUFFIX
    return base if number == 1 else f"{base}{number}"


def username_for_email(email: str, *, current: str = "") -> str:
    """The username an account gets when its email becomes `email` (a correction): `current`
    if it is already one of this email's (only the case of the address changed), else the next
    free one, by the same rule as an import's."""
    base = portal_username(email)
    if current and any(_bases_of(current, {base})) and _number(current, base) > 0:
        return current
    return free_usernames([email])[0]


def _taken(usernames: Collection[str]) -> set[str]:
    """Which of these usernames are in use: one look-up in the unique index for all of them."""
    if not usernames:
        return set()
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(User._meta.db_table)
        sql = f"SELECT username FROM {table} WHERE username = ANY(%b::text[])"  # noqa: S608
        return {username for (username,) in execute_arrays(sql, [list(usernames)])}
    return set(User.objects.filter(username__in=usernames).values_list("username", flat=True))


def free_usernames(emails: Sequence[str]) -> list[str]:
    """The next free username for each email; the same email twice gets two numbers."""
    taken = _taken({portal_username(email) for email in emails})
    highest: dict[str, int] = defaultdict(int)
    if taken:
        for username in _usernames_starting_with(taken):
            for base in _bases_of(username, taken):
                highest[base] = max(highest[base], _number(username, base))
    usernames = []
    for email in emails:
        base = portal_username(email)
        highest[base] += 1
        usernames.append(portal_username(email, highest[base]))
    return usernames


def _usernames_starting_with(bases: Iterable[str]) -> list[str]:
    """The numbered usernames in use for these bases.

    Exact look-ups of the first numbers (an IN list, which the planner answers from the
    unique index, or a hashed scan, whatever its statistics say), and a prefix search only for
    the rare base whose first numbers are all taken (a family of ten or more sharing an email).
    No index serves that search (providers.User keeps no LIKE index, which every account would
    pay for): it reads the accounts table, once per such family.
    """
    bases = sorted(bases)
    first = range(2, _NUMBERS_LOOKED_UP + 2)
    found = _taken([f"{base}{number}" for base in bases for number in first])
    usernames = list(found)
    crowded = [base for base in bases if f"{base}{_NUMBERS_LOOKED_UP + 1}" in found]
    for start in range(0, len(crowded), 100):
        query = Q()
        for base in crowded[start : start + 100]:
            query |= Q(username__startswith=base)
        usernames += User.objects.filter(query).values_list("username", flat=True)
    return [*bases, *usernames]


def _bases_of(username: str, bases: set[str]) -> Iterable[str]:
    index = username.rfind(PORTAL_USERNAME_SUFFIX)
    if index >= 0:
        base = username[: index + len(PORTAL_USERNAME_SUFFIX)]
        if base in bases:
            yield base


def _number(username: str, base: str) -> int:
    rest = username[len(base) :]
    if rest == "":
        return 1
    return int(rest) if rest.isascii() and rest.isdigit() and rest[0] != "0" else 0
