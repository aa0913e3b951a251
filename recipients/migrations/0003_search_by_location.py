"""The search's trigram index scoped to each location (PostgreSQL; nothing on SQLite).

"Search this list" looks at one location's recipients, but the trigram index of 0002 held
every location's: a common name's matches were read from the whole table and all but this
location's thrown away. At 10 million recipients over 3,000 locations "smith" matched 88,208
rows for the 12,584 of the largest location: 560 ms (make bench-state, bench/README.md). This
index puts the location in front of the name's trigrams (btree_gin lets a GIN index hold a
plain column), so a search reads only its location's matches, whatever the state's size.

The location is indexed as `location_id + 0`, the form recipients/search.py writes it in: no
B-tree index serves that expression, so the planner, whatever its statistics, has this index
as the one way into a search (a B-tree on the location would hand it every recipient of the
location to filter). Same pending list as the index it replaces (0002 says why 128 kB).

CREATE INDEX takes a few minutes at 10 million recipients and blocks writes to the table
meanwhile: run `migrate` in a quiet hour (README, "Migrations").
"""

from django.contrib.postgres.operations import BtreeGinExtension
from django.db import migrations

OLD_INDEX = "recipient_search_trgm"
INDEX = "recipient_search_loc_trgm"
WITH = "WITH (fastupdate = on, gin_pending_list_limit = 128) WHERE removed_at IS NULL"


def _replace(schema_editor, old: str, new: str, columns: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {new} ON recipients_recipient USING gin ({columns}) {WITH}"
        )
        schema_editor.execute(f"DROP INDEX IF EXISTS {old}")


def create(apps, schema_editor) -> None:
    _replace(schema_editor, OLD_INDEX, INDEX, "(location_id + 0), name_first_last gin_trgm_ops")


def drop(apps, schema_editor) -> None:
    _replace(schema_editor, INDEX, OLD_INDEX, "name_first_last gin_trgm_ops")


class Migration(migrations.Migration):
    dependencies = [("recipients", "0002_squashed_search_and_counts")]

    operations = [
        BtreeGinExtension(),  # CREATE EXTENSION IF NOT EXISTS btree_gin; nothing on SQLite
        migrations.RunPython(create, drop),
    ]
