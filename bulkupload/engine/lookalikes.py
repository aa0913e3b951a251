"""Look-alikes: things that look wrong but may be right, shown as warnings beside errors in
the Low Volume review. They never stop a row from being created. (Not called warnings.py: that
would shadow the standard library's module of the name.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from .cleaning import CleanRow
from .duplicates import ExistingPeople, Person

# Mailbox providers people mistype most. A domain one typo away from one of these (and not one
# of them) is probably a typo: "gmial.com", "yaho.com", "hotmail.co".
COMMON_DOMAINS = (
    "gmail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "aol.com",
    "icloud.com",
    "live.com",
    "msn.com",
    "comcast.net",
    "att.net",
    "verizon.net",
    "charter.net",
    "bellsouth.net",
    "me.com",
    "protonmail.com",
)
# Real providers one typo away from a common one: never flagged.
_ALSO_REAL = ("mail.com", "ymail.com", "gmx.com", "gmx.net", "email.com", "aim.com", "mac.com")
_KNOWN = frozenset(COMMON_DOMAINS + _ALSO_REAL)


def _one_edit_apart(a: str, b: str) -> bool:
    """True if one insertion, deletion, substitution or swap of neighbours turns a into b."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def suggested_domain(email: str) -> str | None:
    """The common provider this address's domain looks like a typo of, if any."""
    domain = email.rpartition("@")[2].lower()
    if not domain or domain in _KNOWN:
        return None
    for common in COMMON_DOMAINS:
        if _one_edit_apart(domain, common):
            return common
    return None


def suggested_email(email: str) -> str | None:
    """The address with the common provider's domain, if its own looks like a typo of one."""
    domain = suggested_domain(email)
    return None if domain is None else f"{email.rpartition('@')[0]}@{domain}"


def email_typo_warning(email: str) -> str | None:
    """The warning for an address whose domain looks like a typo, as the review shows it."""
    suggestion = suggested_email(email)
    if suggestion is None:
        return None
    return f"Email: the domain looks like a typo. Did you mean {suggestion}?"


@dataclass(frozen=True, slots=True)
class RowWarning:
    """Something that looks wrong in a row that will be created anyway.

    `suggested_email` is the address it probably meant (a review offers to use it);
    `loaded` the person already in the system the warning is about, for the caller to tell
    whether that is at its own location (the engine knows no locations).
    """

    message: str
    suggested_email: str | None = None
    loaded: Person | None = None


def _swapped(born: dt.date) -> dt.date | None:
    if born.day > 12 or born.day == born.month:
        return None
    try:
        return born.replace(month=born.day, day=born.month)
    except ValueError:
        return None


def row_warnings(rows: Iterable[CleanRow], existing: ExistingPeople) -> dict[int, list[RowWarning]]:
    """Warnings by line for rows that will be created.

    - an email domain that looks like a typo of a common provider;
    - a person who would be a duplicate if day and month of birth were swapped (a person
      already in the system, or another row of the file): 3/4/1980 typed as 4/3/1980.
    """
    rows = list(rows)
    warnings: dict[int, list[RowWarning]] = {}
    people: dict[Person, CleanRow] = {row.person: row for row in rows}
    swapped: dict[Person, CleanRow] = {}
    for row in rows:
        if (typo := email_typo_warning(row.email)) is not None:
            warnings.setdefault(row.line, []).append(
                RowWarning(typo, suggested_email=suggested_email(row.email))
            )
        if (other := _swapped(row.date_of_birth)) is not None:
            swapped[(row.person[0], row.person[1], other)] = row
    in_system = existing(set(swapped)) if swapped else set()
    for person, row in swapped.items():
        twin = people.get(person)
        loaded = None
        if twin is not None and twin.line != row.line:
            where = f"on line {twin.line} of this file"
        elif person in in_system:
            where, loaded = "already in the system", person
        else:
            continue
        born = person[2]
        warnings.setdefault(row.line, []).append(
            RowWarning(
                f"Date of birth: the same name with day and month swapped "
                f"({born.month}/{born.day}/{born.year}) is {where}. "
                "Check it is not the same person.",
                loaded=loaded,
            )
        )
    return warnings
