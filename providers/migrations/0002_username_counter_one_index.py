"""The username counters keep their primary key and nothing else (PostgreSQL; nothing on SQLite).

For a text primary key Django's PostgreSQL backend makes a second index with the
varchar_pattern_ops operator class, for LIKE 'prefix%' look-ups. Nothing looks a counter up so:
bulkupload.writer takes each address's counter with one upsert on the primary key. The second
index was one more random-place insert for every address an import loads for the first time:
247 MB, as large as the key itself, at 10 million recipients with 4 million addresses
(make bench-state, bench/README.md). Found by the name Django gave it, not a hash spelled here.
"""

from django.db import migrations

TABLE = "providers_portalusernamecounter"

# The statement goes through the driver, which takes % as a placeholder: %% is one %.
DROP = """
DO $$
DECLARE index_name text;
BEGIN
    FOR index_name IN
        SELECT indexname FROM pg_indexes
        WHERE tablename = 'providers_portalusernamecounter'
            AND indexdef LIKE '%%varchar_pattern_ops%%'
    LOOP
        EXECUTE format('DROP INDEX %%I', index_name);
    END LOOP;
END $$
"""


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


def restore(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {TABLE}_address_like ON {TABLE} (address varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("providers", "0001_squashed_initial")]

    operations = [migrations.RunPython(drop, restore)]
