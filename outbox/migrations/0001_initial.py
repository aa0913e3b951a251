"""The outbox, moved from bulkupload with its rows: this app takes over the table as it is
(state only); bulkupload 0017 lets go of it, and 0002 gives it this app's name."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def _move_content_type(apps, schema_editor):
    # Permissions (the help desk's "view outbound email") follow the model, not start anew.
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="bulkupload", model="outboundemail").update(
        app_label="outbox"
    )


def _return_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="outbox", model="outboundemail").update(
        app_label="bulkupload"
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("bulkupload", "0016_upload_summary_email"),
        # The help desk's group was given "view outbound email" under bulkupload's label
        # (helpdesk 0002 names it so): that runs first, and the permission moves with the
        # content type below.
        ("helpdesk", "0002_help_desk_staff_group"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="OutboundEmail",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("welcome", "Welcome to the COVID-19 Vaccine Portal"),
                                    ("upload_summary", "Upload summary to the manager"),
                                    ("message", "Message"),
                                    (
                                        "temporary_password",
                                        "Help-desk account with temporary password",
                                    ),
                                    ("account_setup", "Provider-portal account set-up link"),
                                    (
                                        "recipient_password_reset",
                                        "Recipient-portal password reset",
                                    ),
                                    ("welcome_again", "Welcome email sent again"),
                                ],
                                max_length=30,
                            ),
                        ),
                        ("to_email", models.EmailField(blank=True, max_length=254)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "Queued"),
                                    ("sending", "Sending"),
                                    ("sent", "Sent"),
                                    ("failed", "Failed"),
                                ],
                                default="queued",
                                max_length=10,
                            ),
                        ),
                        ("subject", models.CharField(blank=True, max_length=200)),
                        ("body", models.TextField(blank=True)),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        (
                            "next_attempt_at",
                            models.DateTimeField(default=django.utils.timezone.now),
                        ),
                        ("last_error", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("last_attempt_at", models.DateTimeField(blank=True, null=True)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "user",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="outbound_emails",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["id"],
                        "db_table": "bulkupload_outboundemail",
                        "indexes": [
                            models.Index(
                                condition=models.Q(("status", "queued")),
                                fields=["next_attempt_at", "id"],
                                name="outbound_email_due",
                            )
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("user__isnull", False),
                                    models.Q(
                                        ("kind", "message"),
                                        models.Q(("to_email", ""), _negated=True),
                                    ),
                                    _connector="OR",
                                ),
                                name="outbound_email_has_an_address",
                            ),
                            models.UniqueConstraint(
                                condition=models.Q(("kind", "welcome")),
                                fields=("kind", "user"),
                                name="outbound_email_once",
                            ),
                            models.UniqueConstraint(
                                condition=models.Q(("kind", "welcome_again"), ("status", "queued")),
                                fields=("kind", "user"),
                                name="outbound_welcome_again_waiting",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(_move_content_type, _return_content_type, elidable=True),
    ]
