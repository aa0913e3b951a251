"""bulkupload lets go of the outbox (state only: the table and its rows stay, outbox 0001
took them over). What pointed at bulkupload.OutboundEmail now points at outbox.OutboundEmail,
the same table: this app's summary link, and the portal's second-dose reminders, whose field
is moved here rather than in a portal migration so that the move is one step no other branch's
portal migrations can interleave with."""

import django.db.models.deletion
from django.db import migrations, models


class AlterFieldOfApp(migrations.AlterField):
    """AlterField on another app's model, in the project state only (the database already
    has it right: the column references the same table)."""

    def __init__(self, app_label, *args, **kwargs):
        self.of_app = app_label
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, args, kwargs = super().deconstruct()
        return name, [self.of_app, *args], kwargs

    def state_forwards(self, app_label, state):
        super().state_forwards(self.of_app, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        pass

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass


class Migration(migrations.Migration):
    dependencies = [
        ("bulkupload", "0016_upload_summary_email"),
        ("outbox", "0001_initial"),
        ("portal", "0004_full_dose_record"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="uploadsummaryemail",
                    name="email",
                    field=models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="outbox.outboundemail",
                    ),
                ),
                AlterFieldOfApp(
                    "portal",
                    model_name="seconddosereminder",
                    name="email",
                    field=models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="outbox.outboundemail",
                    ),
                ),
                migrations.DeleteModel(name="OutboundEmail"),
            ],
            database_operations=[],
        ),
    ]
