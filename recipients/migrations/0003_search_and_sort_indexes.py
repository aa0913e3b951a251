"""The indexes that came after the squash (PostgreSQL for the first; both databases for the
second), in one migration so the app keeps three (issue 28). It takes the place of
0003_search_by_location, whose steps it repeats, each able to run again: a database that
applied that one runs this one whole, and its trigram steps find their work done.

1. The search's trigram index scoped to each location. "Search this list" looks at one
   location's recipients, but the trigram index of 0002 held every location's: a common name's
   matches were read from the whole table and all but this location's thrown away. At 10
   million recipients over 3,000 locations "smith" matched 88,208 rows for the 12,584 of the
   largest location: 560 ms (make bench-state, bench/README.md). This index puts the location
   in front of the name's trigrams (btree_gin lets a GIN index hold a plain column), so a
   search reads only its location's matches, whatever the state's size.

   The location is indexed as `location_id + 0`, the form recipients/search.py writes it in:
   no B-tree index serves that expression, so the planner, whatever its statistics, has this
   index as the one way into a search (a B-tree on the location would hand it every recipient
   of the location to filter). Same pending list as the index it replaces (0002 says why
   128 kB).

2. The sorts' indexes without the id (issue 27): one entry per value of a location holds all
   its rows (PostgreSQL's deduplication), so an import adds to entries that stay in memory
   instead of reading and writing back a page of each index per row
   (recipients.models._active_sort_index; the order among a value's rows comes from the
   table: recipients.search). The new ones are built before the old ones go, so every sort
   always has an index.

Building the indexes reads the table and holds off writes to it meanwhile: about a minute for
the trigram index and seconds for each sort index at 10 million recipients (0.4-0.6 s at a
million). Run `migrate` in a quiet hour (README, "Migrations").
"""

from django.contrib.postgres.operations import BtreeGinExtension
from django.db import migrations, models

OLD_INDEX = "recipient_search_trgm"
INDEX = "recipient_search_loc_trgm"
WITH = "WITH (fastupdate = on, gin_pending_list_limit = 128) WHERE removed_at IS NULL"
ACTIVE = models.Q(("removed_at__isnull", True))


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


def _grouped(column: str, name: str) -> migrations.AddIndex:
    index = models.Index(condition=ACTIVE, fields=["location", column], name=name)
    return migrations.AddIndex(model_name="recipient", index=index)


class Migration(migrations.Migration):
    dependencies = [("recipients", "0002_squashed_search_and_counts")]

    operations = [
        BtreeGinExtension(),  # CREATE EXTENSION IF NOT EXISTS btree_gin; nothing on SQLite
        migrations.RunPython(create, drop),
        _grouped("name_last_first", "recipient_loc_last_first"),
        _grouped("name_first_last", "recipient_loc_first_last"),
        _grouped("date_of_birth", "recipient_loc_born"),
        _grouped("email_folded", "recipient_loc_address"),
        migrations.RemoveIndex(model_name="recipient", name="recipient_loc_last"),
        migrations.RemoveIndex(model_name="recipient", name="recipient_loc_first"),
        migrations.RemoveIndex(model_name="recipient", name="recipient_loc_dob"),
        migrations.RemoveIndex(model_name="recipient", name="recipient_loc_email_folded"),
    ]
