"""The same starting state for every timed import of a bench (bench/run.py, bench/reupload.py):
only the bench's own models, so it also serves a worker running an older tree's code."""

from __future__ import annotations

import datetime as dt

import sql
from django.db import connection

from outbox.models import OutboundEmail
from providers.models import Location, PortalUsernameCounter, User
from recipients.models import Recipient


def clean_slate(keep_user_ids: list[int]) -> None:
    """Remove what an import created (not timed), so each run starts from the same state.

    On PostgreSQL the tables are truncated and vacuumed: DELETE alone would leave every earlier
    run's dead rows in the indexes, and each run would be slower than a real import is.
    """
    # The username counters too: each run numbers its families from the start, as the first did.
    tables = [model._meta.db_table for model in (OutboundEmail, Recipient, PortalUsernameCounter)]
    sql.empty_tables(tables)
    User.objects.exclude(pk__in=keep_user_ids)._raw_delete(connection.alias)
    sql.vacuum(User._meta.db_table, analyze=True)
    sql.analyze()


def seed_loaded(location: Location, people: list) -> None:
    """These (first, last, born as M/D/YYYY, email) loaded at the location by an earlier upload."""
    loaded = []
    for first, last, born, email in people:
        month, day, year = map(int, born.split("/"))
        recipient = Recipient(
            location=location,
            first_name=first,
            last_name=last,
            date_of_birth=dt.date(year, month, day),
            email=email,
        )
        recipient.fill_keys()
        loaded.append(recipient)
    Recipient.objects.bulk_create(loaded)
