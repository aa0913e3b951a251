"""Portal usernames: `email.covid19vaccine`, then `email.covid19vaccine2`, `3`, ... for family
members sharing an email. Used by an import (many at once, bulkupload.writer) and by a
manager's correction of an address (one). Numbers come from a per-address counter
(providers.PortalUsernameCounter, `free_usernames`), so a crowded address costs what a new one
does; the unique username stays the judge of what two requests picked at once.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence

from django.db.models import Q

from providers.models import User

from . import sql
from .names import PORTAL_USERNAME_SUFFIX

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
    username = free_usernames([email])[0]
    if taken([username]):  # an account the counter did not number (see catch_up)
        catch_up([email])
        username = free_usernames([email])[0]
    return username


def taken(usernames: Collection[str]) -> set[str]:
    """Which of these usernames are in use: one look-up in the unique index for all of them."""
    if not usernames:
        return set()
    return sql.usernames_in_use(usernames)


def free_usernames(emails: Sequence[str]) -> list[str]:
    """The next free username for each email; the same email twice gets two numbers.

    Numbers come from the address's counter (providers.PortalUsernameCounter: the highest
    number handed out), taken for the whole batch in one upsert
    (`sql.add_to_username_counters`), so a family of 100,000 costs what a family of one does,
    at any size of the accounts' table and with any statistics. The counter row stays locked
    until the caller's transaction ends: two imports numbering the same address take turns,
    and a batch that rolls back gives its numbers back, so numbers run on from the highest
    without gaps, as they did when they were read from the accounts (and are never reused: a
    deleted account's number stays counted).

    What it costs and buys (bench/shared_addresses.py, PostgreSQL, 5,000-row imports): the
    upsert is 0.03-0.07 s of an import's 0.5-0.6 s, near-empty (a row inserted per new
    address) as at a million recipients (a row updated per known one); 5,000 rows sharing one
    address import in 0.31-0.45 s with 100,000 accounts on it against 0.36-0.49 s when it was
    new (three runs). The prefix scan it replaces took 1-2 s per statement at a million
    accounts. A LIKE index on usernames was the other way: every account would pay its entry
    (0.1-0.2 s of a 5,000-row import at a million, measured for issue 15), and the highest
    number of a family would still mean reading the family's every entry (numbers do not sort
    as text), so it is not the same cost for 100,000 as for 10.
    """
    wanted = Counter(email.lower() for email in emails)
    highest = sql.add_to_username_counters(wanted)
    following = {address: highest[address] - count for address, count in wanted.items()}
    usernames = []
    for email in emails:
        address = email.lower()
        following[address] += 1
        usernames.append(portal_username(email, following[address]))
    return usernames


def catch_up(emails: Iterable[str]) -> None:
    """Raise these addresses' counters to the highest number in use among the accounts.

    Only needed when a username the counter handed out was taken already: by an account made
    outside this module (a test's, the demo's, or one made before the counters existed). It
    reads the usernames as the allocator did before the counters, so it may scan the accounts'
    table once for a large family: rare, and never on the common path.
    """
    bases = {portal_username(email) for email in emails}
    highest: dict[str, int] = defaultdict(int)
    for username in _usernames_starting_with(bases):
        for base in _bases_of(username, bases):
            highest[base] = max(highest[base], _number(username, base))
    addresses = sorted(base[: -len(PORTAL_USERNAME_SUFFIX)] for base in highest)
    if not addresses:
        return
    numbers = [highest[portal_username(address)] for address in addresses]
    sql.raise_username_counters(addresses, numbers)


def _usernames_starting_with(bases: Iterable[str]) -> list[str]:
    """The usernames in use for these bases (for `catch_up` only).

    Exact look-ups of the first numbers (an IN list, which the planner answers from the
    unique index, or a hashed scan, whatever its statistics say), and a prefix search only for
    the rare base whose first numbers are all taken (a family of ten or more sharing an email).
    No index serves that search (providers.User keeps no LIKE index, which every account would
    pay for): it reads the accounts table, once per such family.
    """
    bases = sorted(bases)
    first = range(2, _NUMBERS_LOOKED_UP + 2)
    found = taken([*bases, *(f"{base}{number}" for base in bases for number in first)])
    usernames = list(found)
    crowded = [base for base in bases if f"{base}{_NUMBERS_LOOKED_UP + 1}" in found]
    for start in range(0, len(crowded), 100):
        query = Q()
        for base in crowded[start : start + 100]:
            query |= Q(username__startswith=base)
        usernames += User.objects.filter(query).values_list("username", flat=True)
    return usernames


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
