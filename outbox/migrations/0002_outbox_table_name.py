"""The table takes this app's name, now that bulkupload has let go of it (bulkupload 0017).
A rename: rows, indexes, constraints and the foreign keys pointing at it stay as they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("outbox", "0001_initial"),
        ("bulkupload", "0017_outbox_moved_out"),
    ]

    operations = [
        migrations.AlterModelTable(name="outboundemail", table=None),
    ]
