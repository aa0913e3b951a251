"""On SQLite only: an index on recipients.created_by_id.

An import inserts the recipients before their accounts, so until the accounts go in, SQLite
counts deferred foreign-key violations; while it counts any, every account it inserts is
looked for in each table that references accounts, and created_by had no index (on purpose:
on PostgreSQL it is one more entry per recipient, and nothing there looks it up so). Each
account inserted then read every recipient: a 50,000-row import on SQLite took 94 s, and
every import got slower as the table grew. With the index it takes the same time at any size.
PostgreSQL checks a reference from the referencing row only, so it keeps no such index.
The index is not in the model's state: a later migration that makes SQLite rebuild the table
(most field changes) drops it, and must create it again (tests/test_import_creates_recipients
fails if it is gone).
"""

from django.db import migrations

INDEX = "recipient_created_by_sqlite"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON recipients_recipient (created_by_id)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("recipients", "0013_keys_as_names_are_seen")]

    operations = [migrations.RunPython(create, drop)]
