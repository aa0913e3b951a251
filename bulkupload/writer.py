"""Create recipients, their portal accounts and their welcome emails, in bulk.

One short transaction per batch holds all three, so a recipient never exists without its account
and its queued email, and a failure leaves nothing of the batch behind. Three row writes per
recipient (account, recipient, email), a handful of statements per batch.

The database's unique constraint on the person is the last word on duplicates: recipients are
inserted with ON CONFLICT DO NOTHING and the rows the database actually inserted are read back
from RETURNING. When another upload got there first (the engine's check ran before it
committed), the row is reported as a duplicate and its just-made account is deleted again.

The statements are written out here rather than built by bulk_create: for thousands of rows
Django's per-object, per-field work costs several times what the database does, and neither
bulk_create with ignore_conflicts nor its RETURNING tells which rows were inserted on both
SQLite and PostgreSQL. Plain INSERT ... ON CONFLICT DO NOTHING RETURNING works on both.
"""

from __future__ import annotations

import functools
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import OperationalError, connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from providers.models import Location, User
from recipients.models import Recipient, search_key

from .engine.cleaning import PORTAL_USERNAME_SUFFIX, CleanRow
from .models import OutboundEmail, Upload

_USERNAME_ATTEMPTS = 5
_NUMBERS_LOOKED_UP = 9  # families sharing one email are rarely larger
_DEADLOCK_ATTEMPTS = 3
_RETRYABLE_SQLSTATES = {"40P01", "40001"}  # deadlock detected, serialization failure
_MAX_PARAMS = 30000  # below SQLite's 32766 and PostgreSQL's 65535 bound parameters


# Names repeat; search_key of two names is the two keys joined by a space (names are never
# blank here). The derived-fields test holds this equal to Recipient.fill_keys().
_search_key = functools.lru_cache(maxsize=65536)(search_key)


@dataclass
class WriteOutcome:
    created: list[CleanRow]
    duplicates: list[CleanRow]  # lost a race with another upload of the same person


def portal_username(email: str, number: int = 1) -> str:
    """`email.covid19vaccine`, then `email.covid19vaccine2`, `3`, ... for family members.

    Lower-cased, as sign-in lower-cases what people type.
    """
    base = email.lower() + PORTAL_USERNAME_SUFFIX
    return base if number == 1 else f"{base}{number}"


def create_recipients(
    rows: Sequence[CleanRow], *, location: Location, user: User | None, upload: Upload | None
) -> WriteOutcome:
    """Create these (validated, deduplicated) rows as recipients, in one transaction."""
    if not rows:
        return WriteOutcome([], [])
    # One order for every upload, so two uploads inserting the same people wait for each
    # other in the same order instead of deadlocking.
    rows = sorted(rows, key=lambda row: (*row.person, row.line))
    for attempt in range(1, _DEADLOCK_ATTEMPTS + 1):
        try:
            return _create_recipients(rows, location=location, user=user, upload=upload)
        except OperationalError as error:
            # Sorted inserts make deadlocks between uploads unlikely; should the database
            # still pick this transaction as a deadlock's victim, the batch is simply redone.
            sqlstate = getattr(error.__cause__, "sqlstate", None)
            if sqlstate not in _RETRYABLE_SQLSTATES or attempt == _DEADLOCK_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _create_recipients(
    rows: Sequence[CleanRow], *, location: Location, user: User | None, upload: Upload | None
) -> WriteOutcome:
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        accounts = _create_accounts(cursor, rows, now)
        inserted = _insert(
            cursor,
            Recipient,
            [
                {
                    "location": location.pk,
                    "first_name": row.first_name,
                    "last_name": row.last_name,
                    "date_of_birth": row.date_of_birth,
                    "email": row.email,
                    "first_name_key": row.first_name_key,
                    "last_name_key": row.last_name_key,
                    # What Recipient.fill_keys() derives; a test holds the two together.
                    "name_first_last": _search_key(row.first_name) + " " + last_key,
                    "name_last_first": last_key + " " + _search_key(row.first_name),
                    "upload": upload.pk if upload else None,
                    "created_by": user.pk if user else None,
                    "created_at": now,
                    "account": account,
                }
                for row, account in zip(rows, accounts, strict=True)
                for last_key in [_search_key(row.last_name)]
            ],
            returning="account",
            ignore_conflicts=True,
        )
        created_accounts = {account for (account,) in inserted}
        created, duplicates, orphans = [], [], []
        for row, account in zip(rows, accounts, strict=True):
            if account in created_accounts:
                created.append(row)
            else:
                duplicates.append(row)
                orphans.append(account)
        if orphans:
            # Another upload created these people first; their accounts are not needed.
            User.objects.filter(pk__in=orphans).delete()
        _insert(
            cursor,
            OutboundEmail,
            [
                {
                    "kind": OutboundEmail.Kind.WELCOME,
                    "user": account,
                    "upload": upload.pk if upload else None,
                    "status": OutboundEmail.Status.QUEUED,
                    "created_at": now,
                }
                for account in accounts
                if account in created_accounts
            ],
            ignore_conflicts=True,
        )
    created.sort(key=lambda row: row.line)
    duplicates.sort(key=lambda row: row.line)
    return WriteOutcome(created, duplicates)


def _create_accounts(cursor, rows: Sequence[CleanRow], now) -> list[int]:
    """A portal account per row, with a username nobody has: the ids, in the rows' order.

    A username, once given, is never changed. Numbers go on from the highest in use rather
    than filling gaps, so an old welcome email does not name someone else's account (accounts
    are not deleted in normal operation: the help desk removes recipients, not accounts).
    Two uploads that pick the same name
    at the same time are settled by the unique username: the loser's insert does nothing and
    it picks again.
    """
    ids: list[int | None] = [None] * len(rows)
    pending = list(range(len(rows)))
    for _ in range(_USERNAME_ATTEMPTS):
        usernames = _free_usernames([rows[i].email for i in pending])
        # What make_password(None) stores, random per account, drawn in one call for speed.
        noise = secrets.token_hex(16 * len(pending))
        # Sorted by username, for the same reason recipients are sorted by person.
        inserted = _insert(
            cursor,
            User,
            [
                {
                    "username": username,
                    "email": rows[i].email,
                    "first_name": rows[i].first_name,
                    "last_name": rows[i].last_name,
                    # Unusable until the recipient sets one through the welcome email's link.
                    "password": UNUSABLE_PASSWORD_PREFIX + noise[k * 32 : (k + 1) * 32],
                    "date_joined": now,
                }
                for k, (username, i) in enumerate(sorted(zip(usernames, pending, strict=True)))
            ],
            returning="id, username",
            ignore_conflicts=True,
        )
        by_username = {username: pk for pk, username in inserted}
        still_pending = []
        for i, username in zip(pending, usernames, strict=True):
            if username in by_username:
                ids[i] = by_username[username]
            else:
                still_pending.append(i)
        pending = still_pending
        if not pending:
            return ids  # type: ignore[return-value]
    raise RuntimeError("Could not find free portal usernames; another upload kept taking them.")


def _free_usernames(emails: Sequence[str]) -> list[str]:
    """The next free username for each email; the same email twice gets two numbers."""
    bases = {portal_username(email) for email in emails}
    taken = set(User.objects.filter(username__in=bases).values_list("username", flat=True))
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
    the rare base whose first numbers are all taken.
    """
    bases = sorted(bases)
    first = range(2, _NUMBERS_LOOKED_UP + 2)
    candidates = [f"{base}{number}" for base in bases for number in first]
    usernames = list(
        User.objects.filter(username__in=candidates).values_list("username", flat=True)
    )
    found = set(usernames)
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


def _insert(
    cursor,
    model: type[models.Model],
    rows: list[dict[str, object]],
    *,
    returning: str = "",
    ignore_conflicts: bool = False,
) -> list[tuple]:
    """INSERT the rows (field name -> value), every other field taking its default."""
    if not rows:
        return []
    fields = [
        field
        for field in model._meta.concrete_fields
        if not (field.primary_key and isinstance(field, models.AutoField))
    ]
    given = [field for field in fields if field.name in rows[0]]
    unknown = set(rows[0]) - {field.name for field in given}
    assert not unknown, f"unknown fields {unknown}"  # noqa: S101 - a programming error
    defaults = [field for field in fields if field.name not in rows[0]]
    default_values = [field.get_db_prep_save(field.get_default(), connection) for field in defaults]
    ops = connection.ops
    table = ops.quote_name(model._meta.db_table)
    columns = ", ".join(ops.quote_name(field.column) for field in given + defaults)
    tail = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    if returning:
        returned = [model._meta.get_field(name.strip()).column for name in returning.split(",")]
        tail += " RETURNING " + ", ".join(ops.quote_name(column) for column in returned)
    if connection.vendor == "postgresql":
        columns_of_values = [[row[field.name] for row in rows] for field in given]
        return _insert_postgresql(
            table, columns, tail, given, columns_of_values, defaults, default_values
        )
    columns_of_values = []
    for field in given:
        prepare = _preparer(field)
        columns_of_values.append([prepare(row[field.name]) for row in rows])
    results: list[tuple] = []
    width = len(given) + len(defaults)
    placeholders = "(" + ", ".join(["%s"] * width) + ")"
    per_statement = max(1, _MAX_PARAMS // width)
    for start in range(0, len(rows), per_statement):
        stop = min(start + per_statement, len(rows))
        params: list[object] = []
        for index in range(start, stop):
            params += [values[index] for values in columns_of_values]
            params += default_values
        sql = (
            f"INSERT INTO {table} ({columns}) "  # noqa: S608
            f"VALUES {', '.join([placeholders] * (stop - start))}{tail}"
        )
        cursor.execute(sql, params)
        if returning:
            results += cursor.fetchall()
    return results


def _insert_postgresql(
    table: str,
    columns: str,
    tail: str,
    given: list[models.Field],
    columns_of_values: list[list[object]],
    defaults: list[models.Field],
    default_values: list[object],
) -> list[tuple]:
    """One statement whatever the number of rows: a column is one array parameter.

    Thousands of %s placeholders cost more to bind on the client than the insert costs the
    server; unnest() of one array per column keeps the parameters few, and a server-side
    binding cursor sends them as they are.
    """
    import psycopg

    # %b: binary parameters, which psycopg does not have to quote element by element.
    arrays = ", ".join(f"%b::{field.db_type(connection)}[]" for field in given)
    constants = "".join(f", %s::{field.db_type(connection)}" for field in defaults)
    sql = (
        f"INSERT INTO {table} ({columns}) "  # noqa: S608
        f"SELECT *{constants} FROM unnest({arrays}){tail}"
    )
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, [*default_values, *columns_of_values])
        return cursor.fetchall() if "RETURNING" in tail else []


def _preparer(field: models.Field):
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    return lambda value: value
