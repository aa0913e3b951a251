"""Create recipients, their portal accounts and their welcome emails, in bulk: the home of the
hand-written SQL that writes an import (the other homes, one per concern: recipients.search,
recipients.counts, recipients.sql, outbox.sql; README, "Hand-written SQL"), and of the
differences between PostgreSQL and SQLite in writing.

`create_recipients(rows, ...) -> WriteOutcome` guarantees, for one batch of checked rows:
- all or nothing: the batch's recipients, accounts and queued welcome emails (none for a
  placeholder address: recipients.placeholders) are written in one transaction (retried whole
  if the database picks it as a deadlock's victim), so a recipient never exists without its
  account and its email, and a failure leaves nothing of it behind;
- one person once: the database's unique constraint on the person is the one judge of
  duplicates against the system. Recipients are inserted with ON CONFLICT DO NOTHING and the
  rows actually inserted are read back from RETURNING; a person already loaded, by an earlier
  upload or by one running at this moment, comes back in `duplicates`, and gets no account
  and no email;
- nothing points at nothing: every reference the rows hold is a deferred foreign-key
  constraint, checked when the batch commits (so recipients can go in before their accounts):
  a batch whose location, upload or uploader was deleted meanwhile is refused whole. Those
  checks are planned as index look-ups whatever the statistics say
  (`plan_reference_checks_by_index`);
- a username nobody has, never reused, for each account (`email.covid19vaccine`, then 2, 3...),
  its number taken from the address's counter in one upsert per batch: the same cost for a
  family of one as for 100,000 sharing an address, at any table size
  (`recipients.usernames.free_usernames`).

`loaded_people(people)` is the engine's "who is loaded already, where and how" for a dry run and
the Low Volume review, and an import's for the people its insert found loaded already (to
reconcile a re-uploaded file with them): one index probe per person, one statement per batch;
`loaded_people_at(people, location)` tells which of them are at the reviewing manager's
location.

The statements are written out rather than built by bulk_create: for thousands of rows
Django's per-object, per-field work costs several times what the database does, and neither
bulk_create with ignore_conflicts nor its RETURNING tells which rows were inserted on both
SQLite and PostgreSQL. On PostgreSQL each column goes as one binary array parameter
(`recipients.sql.execute_arrays`): measured side by side in `make bench`, a 5,000-row import
takes about 0.97 s this way and 1.17 s with Django's own parameter binding (medians of three runs).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import queue
import secrets
import threading
from collections.abc import Collection, Sequence
from concurrent.futures import Future
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import OperationalError, connection, models, transaction
from django.utils import timezone

from outbox.models import OutboundEmail
from providers.models import Location, User
from recipients.models import Recipient
from recipients.names import search_key
from recipients.placeholders import is_placeholder_email
from recipients.sql import execute_arrays
from recipients.usernames import catch_up, free_usernames

from .engine import LoadedPerson, Person
from .engine.cleaning import CleanRow
from .models import Upload

_USERNAME_ATTEMPTS = 5
_DEADLOCK_ATTEMPTS = 3
_RETRYABLE_SQLSTATES = {"40P01", "40001"}  # deadlock detected, serialization failure
_MAX_PARAMS = 30000  # below SQLite's 32766 and PostgreSQL's 65535 bound parameters


# Names repeat; search_key of two names is the two keys joined by a space (names are never
# blank here). The derived-fields test holds this equal to Recipient.fill_keys().
_search_key = functools.lru_cache(maxsize=65536)(search_key)


@dataclass
class WriteOutcome:
    created: list[CleanRow]
    duplicates: list[CleanRow]  # already loaded (by an earlier upload, or one running now)
    not_emailed: int = 0  # created with a placeholder address: no welcome email queued
    # Where and how each duplicate is loaded (loaded_people), for the re-upload's reconciling.
    loaded: dict[Person, LoadedPerson] = dataclasses.field(default_factory=dict)


def create_recipients(
    rows: Sequence[CleanRow], *, location: Location, user: User | None, upload: Upload | None
) -> WriteOutcome:
    """Create these (validated, deduplicated) rows as recipients, in one transaction."""
    if not rows:
        return WriteOutcome([], [])
    # One order for every upload, so two uploads inserting the same people wait for each
    # other in the same order instead of deadlocking.
    rows = sorted(rows, key=lambda row: (row.person, row.line))
    for attempt in range(1, _DEADLOCK_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                return _write(rows, location=location, user=user, upload=upload)
        except OperationalError as error:
            # Sorted inserts make deadlocks between uploads unlikely; should the database
            # still pick this transaction as a deadlock's victim, the batch is simply redone.
            sqlstate = getattr(error.__cause__, "sqlstate", None)
            if sqlstate not in _RETRYABLE_SQLSTATES or attempt == _DEADLOCK_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _write(
    rows: Sequence[CleanRow], *, location: Location, user: User | None, upload: Upload | None
) -> WriteOutcome:
    """Write the batch, inside the caller's transaction.

    The recipients go first, each with the id its account will have (drawn from the accounts'
    sequence): the insert settles who is new, and emails and accounts are made for those
    only, so a duplicate costs no account made and deleted again. The accounts go last: their
    usernames' numbers lock the address counters until the commit, and two batches sharing
    an address (common ones do) take turns from there.
    """
    now = timezone.now()
    plan_reference_checks_by_index()
    with connection.cursor() as cursor:
        account_ids = _account_ids(cursor, len(rows))
        upload_id = upload.pk if upload else None
        user_id = user.pk if user else None
        search_keys = [(_search_key(row.first_name), _search_key(row.last_name)) for row in rows]
        inserted = _insert(
            cursor,
            Recipient,
            {
                "first_name": [row.first_name for row in rows],
                "last_name": [row.last_name for row in rows],
                "date_of_birth": [row.date_of_birth for row in rows],
                "email": [row.email for row in rows],
                "first_name_key": [row.first_name_key for row in rows],
                "last_name_key": [row.last_name_key for row in rows],
                # What Recipient.fill_keys() derives; a test holds the two together.
                "name_first_last": [first + " " + last for first, last in search_keys],
                "name_last_first": [last + " " + first for first, last in search_keys],
                "account": account_ids,
            },
            constants={
                "location": location.pk,
                "upload": upload_id,
                # Who loaded an uploaded recipient is the upload's uploader: the same user
                # again here would be one more reference checked per row.
                "created_by": None if upload_id else user_id,
                "created_at": now,
            },
            returning="account",
            ignore_conflicts=True,
        )
        created_ids = {account_id for (account_id,) in inserted}
        created, duplicates, new_accounts = [], [], []
        for row, account_id in zip(rows, account_ids, strict=True):
            if account_id in created_ids:
                created.append(row)
                new_accounts.append((row, account_id))
            else:
                duplicates.append(row)
        # Nobody reads a placeholder's mailbox (recipients.placeholders): the account is made,
        # for a manager's later correction of the address to send the welcome email to.
        welcomed = [
            account_id for row, account_id in new_accounts if not is_placeholder_email(row.email)
        ]
        _insert(
            cursor,
            OutboundEmail,
            {"user": welcomed},
            constants={
                # No upload: nothing reads it on a welcome email (the recipient has it), and
                # a NULL reference costs no check at commit.
                "kind": OutboundEmail.Kind.WELCOME,
                "status": OutboundEmail.Status.QUEUED,
                "created_at": now,
                # Held while its uploader may undo the upload (Upload.start); else due now.
                "next_attempt_at": (upload.welcome_at if upload else None) or now,
            },
            ignore_conflicts=True,
        )
        # Last, as it takes the address counters, which stay locked until the batch commits:
        # another batch sharing an address waits for this one only from here on.
        _create_accounts(cursor, new_accounts, now)
    created.sort(key=lambda row: row.line)
    duplicates.sort(key=lambda row: row.line)
    # Only a batch that found people loaded asks where they are: a fresh import never does.
    loaded = loaded_people({row.person for row in duplicates}) if duplicates else {}
    return WriteOutcome(
        created, duplicates, not_emailed=len(new_accounts) - len(welcomed), loaded=loaded
    )


class BatchWriter:
    """create_recipients for an import's batches, several at once: `submit(rows)` returns a
    Future of the batch's WriteOutcome.

    On PostgreSQL, outside any transaction of the caller's, `settings.IMPORT_WRITERS` threads
    each write batches over a connection of their own while the caller checks the next batch:
    the database's work and the engine's overlap, and the database works on two cores. What
    it buys, 50,000 rows: measured in `make bench` (bench/run.py). Every batch is still one
    transaction of its own, so every guarantee of create_recipients holds per batch, and two
    batches of one import settle a shared username as two uploads do (the unique index).
    Elsewhere (SQLite, which has one writer at a time, or inside a caller's transaction, which
    other connections cannot see) each batch is written when submitted, in the caller's thread.
    """

    def __init__(
        self, *, location: Location, user: User | None, upload: Upload | None, batches: int
    ) -> None:
        """`batches`: how many the caller will submit (at most); one is written in the
        caller's thread, as there is nothing to overlap it with."""
        self.target = {"location": location, "user": user, "upload": upload}
        parallel = connection.vendor == "postgresql" and not connection.in_atomic_block
        writers = min(settings.IMPORT_WRITERS, batches) if parallel else 1
        self.work: queue.Queue[tuple[Sequence[CleanRow], Future] | None] = queue.Queue()
        self.submitted: list[Future] = []
        self.threads = [
            threading.Thread(target=self._serve, name=f"import-writer-{n}", daemon=True)
            for n in range(writers if writers > 1 else 0)
        ]
        for thread in self.threads:
            thread.start()
        # How many batches may be submitted and not yet done before the caller waits for the
        # oldest: none when each is written as it is submitted, so a failure stops the import
        # before the next batch is written.
        self.in_flight = len(self.threads)

    def submit(self, rows: Sequence[CleanRow]) -> Future:
        future: Future = Future()
        if self.threads:
            self.submitted = [done for done in self.submitted if not done.done()] + [future]
            self.work.put((rows, future))
        else:
            self._write(rows, future)
        return future

    def close(self, *, cancel: bool = False) -> None:
        """Wait for the batches submitted (or, cancelling, for those already being written),
        and for the threads to close their connections."""
        if cancel:
            for future in self.submitted:
                future.cancel()
        for _ in self.threads:
            self.work.put(None)
        for thread in self.threads:
            thread.join()

    def __enter__(self) -> BatchWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.close(cancel=kind is not None)

    def _serve(self) -> None:
        try:
            while (item := self.work.get()) is not None:
                self._write(*item)
        finally:
            connection.close()  # this thread's own connection

    def _write(self, rows: Sequence[CleanRow], future: Future) -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(create_recipients(rows, **self.target))
        except BaseException as error:  # handed to whoever waits for the batch
            future.set_exception(error)


def plan_reference_checks_by_index() -> None:
    """Make the foreign-key checks this transaction runs at commit index look-ups, for good.

    PostgreSQL plans each constraint's check once per connection and keeps the plan. Planned
    while a table is small, as on a first big import with stale statistics, the check scans
    the whole table, and that plan stays as the import fills the table (a 50,000-row import
    took 150 s instead of 8). With sequential scans off for the rest of this transaction
    (SET LOCAL), a primary-key look-up can only be planned as an index scan, which stays good
    at any size. Every statement of a writer's transaction is an insert or an index look-up,
    so nothing else loses a plan it needs. Call it first in any transaction that inserts rows
    referencing users or uploads on a connection that imports (the checks' plans are shared).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")


def _account_ids(cursor, accounts: int) -> list[int]:
    """Draw the ids of the batch's accounts, as their insert would draw them.

    On PostgreSQL from the accounts' own sequence. On SQLite, with one writer at a time
    (transactions are IMMEDIATE), the next ids past the highest ever used (sqlite_sequence),
    as AUTOINCREMENT would draw them.
    """
    table = User._meta.db_table
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, accounts],
        )
        return [account_id for (account_id,) in cursor.fetchall()]
    quoted = connection.ops.quote_name(table)
    cursor.execute(
        f"SELECT MAX(COALESCE((SELECT MAX(id) FROM {quoted}), 0), "  # noqa: S608
        "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
        [table],
    )
    (highest,) = cursor.fetchone()
    return list(range(highest + 1, highest + 1 + accounts))


def _create_accounts(cursor, accounts: Sequence[tuple[CleanRow, int]], now) -> None:
    """A portal account for each (row, id), with a username nobody has.

    An import never changes a username (only a manager's correction of an email, before the
    account is set up, does: recipients.selfservice). Numbers go on from the highest in use
    rather than filling gaps, so an old welcome email does not name someone else's account
    (accounts are not deleted in normal operation: the help desk removes recipients, not
    accounts).
    Numbers come from the address's counter (recipients.usernames.free_usernames), which two
    uploads take in turn. The unique username stays the judge: should a name the counter gave
    be taken by an account it did not number (recipients.usernames.catch_up), the batch's
    accounts are undone (a savepoint, with the numbers taken), the counters catch up and the
    batch numbers again, so it gets the names it would have got had the counter known.
    """
    if not accounts:
        return
    for _ in range(_USERNAME_ATTEMPTS):
        savepoint = transaction.savepoint()
        usernames = free_usernames([row.email for row, _ in accounts])
        if _insert_accounts(cursor, list(zip(usernames, accounts, strict=True)), now):
            transaction.savepoint_commit(savepoint)
            return
        transaction.savepoint_rollback(savepoint)
        catch_up({row.email for row, _ in accounts})
    raise RuntimeError("Could not find free portal usernames; another upload kept taking them.")


def _insert_accounts(cursor, accounts: list[tuple[str, tuple[CleanRow, int]]], now) -> bool:
    """Insert the accounts (username, (row, id)) unless a username is taken; whether all went in."""
    # What make_password(None) stores, random per account, drawn in one call for speed.
    noise = secrets.token_hex(16 * len(accounts))
    # Sorted by username, for the same reason recipients are sorted by person.
    ordered = sorted(accounts, key=lambda pair: pair[0])
    inserted = _insert(
        cursor,
        User,
        {
            "id": [account_id for _, (_, account_id) in ordered],
            "username": [username for username, _ in ordered],
            "email": [row.email for _, (row, _) in ordered],
            "first_name": [row.first_name for _, (row, _) in ordered],
            "last_name": [row.last_name for _, (row, _) in ordered],
            # Unusable until the recipient sets one through the welcome email's link.
            "password": [
                UNUSABLE_PASSWORD_PREFIX + noise[k * 32 : (k + 1) * 32] for k in range(len(ordered))
            ],
        },
        constants={"date_joined": now},
        returning="id",
        ignore_conflicts=True,
    )
    return len(inserted) == len(ordered)


def _insert(
    cursor,
    model: type[models.Model],
    columns: dict[str, list[object]],
    *,
    constants: dict[str, object] | None = None,
    returning: str = "",
    ignore_conflicts: bool = False,
) -> list[tuple]:
    """INSERT one row per position of `columns` (field name -> the rows' values); `constants`
    (field name -> value) are the same in every row, and every other field takes its default.

    A value shared by every row goes once, as one parameter, rather than once per row."""
    count = len(next(iter(columns.values())))
    if not count:
        return []
    constants = constants or {}
    given = {name: model._meta.get_field(name) for name in columns}
    fixed = {model._meta.get_field(name): value for name, value in constants.items()}
    for field in model._meta.concrete_fields:
        # An auto-incremented primary key is drawn by the database, unless given; a generated
        # column (Recipient.email_folded) is always the database's.
        auto = field.primary_key and isinstance(field, models.AutoField)
        if field.name not in columns and field not in fixed and not (auto or field.generated):
            fixed[field] = field.get_default()
    fixed_values = [field.get_db_prep_save(value, connection) for field, value in fixed.items()]
    ops = connection.ops
    table = ops.quote_name(model._meta.db_table)
    names = ", ".join(ops.quote_name(field.column) for field in [*given.values(), *fixed])
    tail = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    if returning:
        returned = [model._meta.get_field(name.strip()).column for name in returning.split(",")]
        tail += " RETURNING " + ", ".join(ops.quote_name(column) for column in returned)
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%b::{field.db_type(connection)}[]" for field in given.values())
        casts = "".join(f", %s::{field.db_type(connection)}" for field in fixed)
        # One statement whatever the number of rows: a column is one array parameter.
        # Thousands of %s placeholders cost more to bind on the client than the insert costs
        # the server; unnest() of one array per column keeps the parameters few, and a
        # server-side binding cursor sends them as they are.
        sql = f"INSERT INTO {table} ({names}) SELECT *{casts} FROM unnest({arrays}){tail}"  # noqa: S608
        params = [*fixed_values, *columns.values()]
        return execute_arrays(sql, params, fetch=bool(returning))
    prepared = []
    for name, field in given.items():
        prepare = _preparer(field)
        prepared.append([prepare(value) for value in columns[name]])
    results: list[tuple] = []
    width = len(given) + len(fixed)
    placeholders = "(" + ", ".join(["%s"] * width) + ")"
    per_statement = max(1, _MAX_PARAMS // width)
    for start in range(0, count, per_statement):
        stop = min(start + per_statement, count)
        params: list[object] = []
        for index in range(start, stop):
            params += [values[index] for values in prepared]
            params += fixed_values
        sql = (
            f"INSERT INTO {table} ({names}) "  # noqa: S608
            f"VALUES {', '.join([placeholders] * (stop - start))}{tail}"
        )
        cursor.execute(sql, params)
        if returning:
            results += cursor.fetchall()
    return results


def _preparer(field: models.Field):
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    return lambda value: value


_EXISTING_SQL = f"""
    SELECT p.first_name_key, p.last_name_key, p.date_of_birth,
        found.id, found.location_id, found.email, COALESCE(u.password, %s) NOT LIKE %s
    FROM unnest(%b::text[], %b::text[], %b::date[])
        AS p(first_name_key, last_name_key, date_of_birth)
    CROSS JOIN LATERAL (
        SELECT r.id, r.location_id, r.email, r.account_id
        FROM {Recipient._meta.db_table} AS r
        WHERE r.first_name_key = p.first_name_key AND r.last_name_key = p.last_name_key
            AND r.date_of_birth = p.date_of_birth AND r.removed_at IS NULL
        LIMIT 1
    ) AS found
    LEFT JOIN {User._meta.db_table} AS u ON u.id = found.account_id
"""  # noqa: S608 - the table names are the models' own
# An account's password starts so until its owner chooses one (has_usable_password); no
# account at all is no account set up.
_NOT_SET_UP = [UNUSABLE_PASSWORD_PREFIX, UNUSABLE_PASSWORD_PREFIX + "%"]


def loaded_people(people: Collection[Person]) -> dict[Person, LoadedPerson]:
    """Which of these people are active recipients already, and where and how (their
    location, their address, whether their portal account is set up): one query for the
    whole batch. Only the people found cost more than the probe.

    On PostgreSQL each person is one probe of the unique index on (first, last, born): a
    LATERAL sub-select with LIMIT 1 is not turned into a join, so the planner does not hash
    every recipient against the batch, as it does for a semi-join or for IN lists once the
    table is large (100 ms a batch at a million rows). The people go as one array parameter
    per column. On SQLite they go as one list of row values, which its planner looks up in
    the same index (the former IN list per column matched every combination of the batch's
    names and dates: a re-upload of 5,000 loaded people took 4x a fresh import).

    This is the engine's `existing` for a dry run and for the Low Volume review. An import
    does not ask: its INSERT ... ON CONFLICT finds the same people through the unique index
    itself, whatever the planner's statistics say while the import fills the table. It lives
    here, not with the recipients, because it is one of the statements written out by hand
    for speed (this module's docstring).
    """
    if not people:
        return {}
    if connection.vendor == "postgresql":
        columns = [list(column) for column in zip(*people, strict=True)]
        found = execute_arrays(_EXISTING_SQL, [*_NOT_SET_UP, *columns])
        return {(first, last, born): LoadedPerson(*where) for first, last, born, *where in found}
    # SQLite: the people as one list of row values, each found through the unique index.
    wanted = sorted(people)
    found: dict[Person, LoadedPerson] = {}
    adapt = connection.ops.adapt_datefield_value
    with connection.cursor() as cursor:
        for start in range(0, len(wanted), _MAX_PARAMS // 3):
            chunk = wanted[start : start + _MAX_PARAMS // 3]
            values = ", ".join(["(%s, %s, %s)"] * len(chunk))
            cursor.execute(
                _EXISTING_SQLITE.format(values=values),
                [value for first, last, born in chunk for value in (first, last, adapt(born))],
            )
            for first, last, born, recipient, location, email, password in cursor.fetchall():
                born = born if isinstance(born, dt.date) else dt.date.fromisoformat(born)
                set_up = not (password or _NOT_SET_UP[0]).startswith(_NOT_SET_UP[0])
                found[(first, last, born)] = LoadedPerson(recipient, location, email, set_up)
    return found


_EXISTING_SQLITE = f"""
    SELECT r.first_name_key, r.last_name_key, r.date_of_birth,
        r.id, r.location_id, r.email, u.password
    FROM {Recipient._meta.db_table} AS r
    LEFT JOIN {User._meta.db_table} AS u ON u.id = r.account_id
    WHERE r.removed_at IS NULL
        AND (r.first_name_key, r.last_name_key, r.date_of_birth) IN (VALUES {{values}})
"""  # noqa: S608 - the table names are the models' own; the values are placeholders


def loaded_people_at(people: Collection[Person], location: Location) -> set[Person]:
    """Which of these people are active recipients of this location: for a review to tell
    "loaded at this location" from "loaded elsewhere" (never saying where). One query, for the
    few people of a Low Volume review, so the ORM's IN lists are enough here."""
    if not people:
        return set()
    candidates = (
        Recipient.objects.active()
        .filter(
            location=location,
            first_name_key__in={first for first, _, _ in people},
            last_name_key__in={last for _, last, _ in people},
            date_of_birth__in={born for _, _, born in people},
        )
        .values_list("first_name_key", "last_name_key", "date_of_birth")
    )
    wanted = set(people)
    return {person for person in candidates if person in wanted}
