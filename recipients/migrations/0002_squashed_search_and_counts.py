"""What the recipients' table needs beyond its model, by database: made by hand, so kept apart
from the initial migration that makemigrations writes.

PostgreSQL:
- pg_trgm and a trigram GIN index on the "first last" search key of active recipients:
  "Search this list" matches any part of a name (LIKE '%term%'), which no B-tree serves.
  The index keeps GIN's pending list ("fastupdate") but a short one, 128 kB: without the list
  every inserted recipient updated the index's posting trees one by one (a 50,000-row import's
  inserts took 19.3 s instead of 6.0 s); with the default 4 MB a search reads up to 4 MB of
  entries VACUUM has not merged yet (0.7 s for a name nobody has, at a million recipients);
  128 kB bounds that read to a few milliseconds at the import speed of 4 MB (make bench).
- recipients/counts.py: the database keeps each location's number of active recipients as
  appended +n/-n rows (recipients_recipientcount), one per statement that changes it, whoever
  runs it. Statement-level triggers with transition tables: one INSERT per import statement,
  not one per recipient.

SQLite:
- An index on created_by_id, which the model leaves out on purpose (on PostgreSQL it would be
  one more entry per recipient, and nothing looks recipients up by creator). An import inserts
  the recipients before their accounts, so until the accounts go in SQLite counts deferred
  foreign-key violations, and while it counts any, each account it inserts is looked for in
  every table that references accounts: without the index each account read every recipient
  (a 50,000-row import took 94 s, slower as the table grew). It is not in the model's state: a
  later migration that makes SQLite rebuild recipients_recipient (most field changes) drops it
  and must make it again (tests/test_import_creates_recipients.py fails if it is gone).

The history before the squash made these in recipients 0002, 0009, 0010, 0012, 0014, 0015 and
0018; a database that applied it has them (README, "Migrations").
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

TRIGRAM_INDEX = "recipient_search_trgm"
PENDING_LIST_KB = 128
CREATE_TRIGRAM_INDEX = f"""
CREATE INDEX {TRIGRAM_INDEX} ON recipients_recipient USING gin (name_first_last gin_trgm_ops)
    WITH (fastupdate = on, gin_pending_list_limit = {PENDING_LIST_KB})
    WHERE removed_at IS NULL
"""

COUNTED = "removed_at IS NULL"
COUNT_TRIGGERS = f"""
CREATE FUNCTION recipients_count_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO recipients_recipientcount (location_id, delta)
        SELECT location_id, COUNT(*) FROM new_rows WHERE {COUNTED} GROUP BY location_id;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO recipients_recipientcount (location_id, delta)
        SELECT location_id, -COUNT(*) FROM old_rows WHERE {COUNTED} GROUP BY location_id;
    ELSE
        INSERT INTO recipients_recipientcount (location_id, delta)
        SELECT location_id, SUM(change) FROM (
            SELECT location_id, -1 AS change FROM old_rows WHERE {COUNTED}
            UNION ALL
            SELECT location_id, 1 FROM new_rows WHERE {COUNTED}
        ) AS changes GROUP BY location_id HAVING SUM(change) <> 0;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER recipients_count_inserts AFTER INSERT ON recipients_recipient
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION recipients_count_changes();
CREATE TRIGGER recipients_count_deletes AFTER DELETE ON recipients_recipient
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION recipients_count_changes();
CREATE TRIGGER recipients_count_updates AFTER UPDATE ON recipients_recipient
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION recipients_count_changes();
"""  # noqa: S608 - no input: the trigger's own text
DROP_COUNT_TRIGGERS = """
DROP TRIGGER IF EXISTS recipients_count_inserts ON recipients_recipient;
DROP TRIGGER IF EXISTS recipients_count_deletes ON recipients_recipient;
DROP TRIGGER IF EXISTS recipients_count_updates ON recipients_recipient;
DROP FUNCTION IF EXISTS recipients_count_changes();
"""

SQLITE_CREATED_BY_INDEX = "recipient_created_by_sqlite"


def create(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(CREATE_TRIGRAM_INDEX)
        schema_editor.execute(COUNT_TRIGGERS)
    elif vendor == "sqlite":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {SQLITE_CREATED_BY_INDEX} "
            "ON recipients_recipient (created_by_id)"
        )


def drop(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(DROP_COUNT_TRIGGERS)
        schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP INDEX IF EXISTS {SQLITE_CREATED_BY_INDEX}")


class Migration(migrations.Migration):
    # A database that applied the history before the squash has all of this: its last
    # migration stands for it.
    replaces = [("recipients", "0018_email_sort_ignores_case")]

    dependencies = [("recipients", "0001_squashed_initial")]

    operations = [
        TrigramExtension(),  # CREATE EXTENSION IF NOT EXISTS pg_trgm; nothing on SQLite
        migrations.RunPython(create, drop),
    ]
