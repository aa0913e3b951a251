"""A recipient whose welcome email bounced or was marked as spam, and which email it was.

On SQLite adding the reference rebuilds the table, which drops the index 0014 made outside
the model's state: it is made again here.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

SQLITE_CREATED_BY_INDEX = "recipient_created_by_sqlite"


def _index_created_by_on_sqlite(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {SQLITE_CREATED_BY_INDEX} "
            "ON recipients_recipient (created_by_id)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("bulkupload", "0017_outbox_moved_out"),
        ("outbox", "0003_delivery_states"),
        ("providers", "0003_username_unique_without_pattern_index"),
        ("recipients", "0014_created_by_indexed_on_sqlite"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="recipient",
            name="welcome_problem",
            field=models.CharField(
                blank=True,
                choices=[("bounced", "Bounced"), ("complained", "Marked as spam")],
                default="",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="recipient",
            name="welcome_problem_email",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="outbox.outboundemail",
            ),
        ),
        migrations.AddIndex(
            model_name="recipient",
            index=models.Index(
                condition=models.Q(("welcome_problem_email__isnull", False)),
                fields=["location", "name_last_first", "id"],
                name="recipient_loc_welcome_problem",
            ),
        ),
        migrations.AddIndex(
            model_name="recipient",
            index=models.Index(
                condition=models.Q(("welcome_problem_email__isnull", False)),
                fields=["welcome_problem_email"],
                name="recipient_welcome_problem",
            ),
        ),
        migrations.RunPython(_index_created_by_on_sqlite, migrations.RunPython.noop),
    ]
