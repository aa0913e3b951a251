from django.db import migrations

# The trigram index is updated as each recipient is inserted instead of through GIN's pending
# list ("fastupdate"). With the list, every search reads the whole list of entries not yet
# merged (up to 4 MB), and it is merged only by VACUUM or by the insert that fills it: on a
# machine without autovacuum a search for a name nobody has took 0.7 s at a million
# recipients instead of 3 ms, and every few imports one batch paid for merging the list.
# Measured in `make bench` (bench/scale.py).
INDEX = "recipient_search_trgm"


def without_pending_list(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX {INDEX} SET (fastupdate = off)")
        # What is in the list already is merged now; nothing is added to it from here on.
        schema_editor.execute(f"SELECT gin_clean_pending_list('{INDEX}'::regclass)")


def with_pending_list(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX {INDEX} RESET (fastupdate)")


class Migration(migrations.Migration):
    dependencies = [("recipients", "0009_recipient_counts")]

    operations = [migrations.RunPython(without_pending_list, with_pending_list)]
