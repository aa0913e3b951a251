"""Delivery states: what the relay and the receiving side said of each email, and its history."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def _sent_is_accepted(apps, schema_editor):
    # "sent" meant what it means now: the relay said 250. What happened after, nobody knew.
    apps.get_model("outbox", "OutboundEmail").objects.filter(status="sent").update(
        status="accepted"
    )


def _accepted_is_sent(apps, schema_editor):
    apps.get_model("outbox", "OutboundEmail").objects.exclude(
        status__in=["queued", "sending", "failed"]
    ).update(status="sent")


class Migration(migrations.Migration):
    dependencies = [
        ("outbox", "0002_outbox_table_name"),
    ]

    operations = [
        migrations.RunPython(_sent_is_accepted, _accepted_is_sent, elidable=True),
        migrations.AddField(
            model_name="outboundemail",
            name="deferred_since",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="outboundemail",
            name="reason",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="outboundemail",
            name="status_changed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="outboundemail",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("sending", "Sending"),
                    ("accepted", "Accepted by the mail server"),
                    ("delivered", "Delivered"),
                    ("deferred", "Delayed"),
                    ("bounced", "Bounced"),
                    ("complained", "Marked as spam"),
                    ("failed", "Failed"),
                ],
                default="queued",
                max_length=10,
            ),
        ),
        migrations.CreateModel(
            name="DeliveryEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "Queued"),
                            ("sending", "Sending"),
                            ("accepted", "Accepted by the mail server"),
                            ("delivered", "Delivered"),
                            ("deferred", "Delayed"),
                            ("bounced", "Bounced"),
                            ("complained", "Marked as spam"),
                            ("failed", "Failed"),
                        ],
                        max_length=10,
                    ),
                ),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("relay", "The mail server, when sending"),
                            ("bounce", "A bounce message"),
                            ("webhook", "The email provider"),
                        ],
                        max_length=10,
                    ),
                ),
                ("reason", models.TextField(blank=True)),
                (
                    "email",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="outbox.outboundemail",
                    ),
                ),
            ],
            options={
                "ordering": ["email", "at", "id"],
            },
        ),
    ]
