"""Help-desk staff read the audit trail (audit.AuditEvent); nobody changes or deletes it.

Frozen here rather than imported: a migration says what was true when it ran.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Help-desk staff"
PERMISSIONS = {"audit": ["view_auditevent"]}


def grant(apps, schema_editor):
    # Permissions are made after the last migration on a fresh database: make audit's now.
    audit = apps.get_app_config("audit")
    audit.models_module = True
    create_permissions(audit, apps=apps, verbosity=0)
    audit.models_module = None
    Permission = apps.get_model("auth", "Permission")
    group, _ = apps.get_model("auth", "Group").objects.get_or_create(name=GROUP)
    group.permissions.add(
        Permission.objects.get(content_type__app_label="audit", codename="view_auditevent")
    )


def revoke(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(
            *apps.get_model("auth", "Permission").objects.filter(
                content_type__app_label="audit", codename="view_auditevent"
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("audit", "0001_initial"),
        ("helpdesk", "0003_event_details_completed"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
