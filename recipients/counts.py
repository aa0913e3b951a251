"""How many active recipients a location has, without counting them.

"Total number of records" heads every Loaded Recipients page, and counting a million rows
costs 0.5-0.9 s on PostgreSQL (an index-only scan that, while autovacuum has not set the
visibility map, fetches every row from the table as well): more than the whole page may take.
On PostgreSQL the database keeps the figure itself: statement-level triggers on the recipients'
table (recipients/migrations/0002_squashed_search_and_counts.py) append one row of +n / -n per
location to RecipientCount for every statement that adds, removes or moves active recipients,
whoever runs it (an import, the help desk's removal, the admin, a console). Rows are only ever
appended, so concurrent imports at one location never wait for each other on a counter; the
total is their sum, a few hundred rows per million recipients, and `fold_counts` (hourly) folds
them into one per location. Measured in `make bench` (bench/scale.py): the first page at
1,000,000 recipients.

SQLite (the embedded default, for small deployments) has no such triggers: it counts.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Sum

from providers.models import Location

from .models import Recipient, RecipientCount


def active_recipients(location: Location) -> int:
    """The number of the location's recipients not removed."""
    if connection.vendor != "postgresql":
        return Recipient.objects.active().filter(location=location).count()
    total = RecipientCount.objects.filter(location=location).aggregate(total=Sum("delta"))
    return total["total"] or 0


_FOLD = f"""
    WITH folded AS (DELETE FROM {RecipientCount._meta.db_table} RETURNING location_id, delta)
    INSERT INTO {RecipientCount._meta.db_table} (location_id, delta)
    SELECT location_id, SUM(delta) FROM folded GROUP BY location_id
"""  # noqa: S608 - the table name is the model's own


def fold_counts() -> None:
    """Fold each location's count rows into one (the same sum): concurrent imports append
    rows this statement does not see, and they stay."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_FOLD)
