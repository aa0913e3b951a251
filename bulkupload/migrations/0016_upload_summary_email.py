"""Which email summarised an upload moves from the email (OutboundEmail.upload) to a link of
this app's (UploadSummaryEmail), so that the outbox, moving to an app below this one in the
next migrations, points at nothing above it. The link's key keeps "one summary per upload"."""

import django.db.models.deletion
from django.db import migrations, models


def _link_summaries(apps, schema_editor):
    OutboundEmail = apps.get_model("bulkupload", "OutboundEmail")
    UploadSummaryEmail = apps.get_model("bulkupload", "UploadSummaryEmail")
    summaries = OutboundEmail.objects.filter(kind="upload_summary", upload__isnull=False)
    UploadSummaryEmail.objects.bulk_create(
        UploadSummaryEmail(upload_id=upload_id, email_id=email_id)
        for email_id, upload_id in summaries.values_list("id", "upload_id").iterator()
    )


def _unlink_summaries(apps, schema_editor):
    OutboundEmail = apps.get_model("bulkupload", "OutboundEmail")
    UploadSummaryEmail = apps.get_model("bulkupload", "UploadSummaryEmail")
    for link in UploadSummaryEmail.objects.iterator():
        OutboundEmail.objects.filter(pk=link.email_id).update(upload_id=link.upload_id)


class Migration(migrations.Migration):
    dependencies = [
        ("bulkupload", "0015_outbox_bare_address"),
    ]

    operations = [
        migrations.CreateModel(
            name="UploadSummaryEmail",
            fields=[
                (
                    "upload",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="summary_email",
                        serialize=False,
                        to="bulkupload.upload",
                    ),
                ),
                (
                    "email",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="bulkupload.outboundemail",
                    ),
                ),
            ],
        ),
        migrations.RunPython(_link_summaries, _unlink_summaries, elidable=True),
        migrations.RemoveConstraint(model_name="outboundemail", name="outbound_summary_once"),
        migrations.RemoveField(model_name="outboundemail", name="upload"),
    ]
