"""The Email column sorts ignoring case, and a search for an address finds its recipients
(issue 25): the email in lower case, a column the database computes (email_folded), indexed
in place of the email as typed, so an import writes no more index entries than before.

Adding a stored generated column rewrites the table and rebuilds its indexes (61 s at a
million recipients on the loaded development machine, the table locked meanwhile; some ten
minutes at ten million). On SQLite the rebuild drops the index 0014 made outside the model's
state: it is made again here, as 0015 does.
"""

from importlib import import_module

from django.db import migrations, models
from django.db.models.functions import Lower

# 0015's own step, run again (a migration's module name starts with a digit: imported by name).
_index_created_by_on_sqlite = import_module(
    "recipients.migrations.0015_welcome_problem"
)._index_created_by_on_sqlite


class Migration(migrations.Migration):
    dependencies = [
        ("recipients", "0015_welcome_problem"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="recipient",
            name="recipient_loc_email",
        ),
        migrations.AddField(
            model_name="recipient",
            name="email_folded",
            field=models.GeneratedField(
                db_persist=True,
                editable=False,
                expression=Lower("email"),
                output_field=models.CharField(max_length=254),
            ),
        ),
        migrations.AddIndex(
            model_name="recipient",
            index=models.Index(
                condition=models.Q(removed_at__isnull=True),
                fields=["location", "email_folded", "id"],
                name="recipient_loc_email_folded",
            ),
        ),
        migrations.RunPython(_index_created_by_on_sqlite, migrations.RunPython.noop),
    ]
