"""The "Help-desk staff" group reads each email's delivery history (the email's admin page
shows it inline), as it reads the outbox."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Help-desk staff"


def grant(apps, schema_editor):
    # On a fresh database the permissions are made after the last migration: make them now.
    outbox = apps.get_app_config("outbox")
    outbox.models_module = True
    create_permissions(outbox, apps=apps, verbosity=0)
    outbox.models_module = None
    group = apps.get_model("auth", "Group").objects.filter(name=GROUP).first()
    if group is not None:
        permission = apps.get_model("auth", "Permission").objects.get(
            content_type__app_label="outbox", codename="view_deliveryevent"
        )
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(
            *apps.get_model("auth", "Permission").objects.filter(
                content_type__app_label="outbox", codename="view_deliveryevent"
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("helpdesk", "0002_help_desk_staff_group"),
        ("outbox", "0004_bounce_digest_kind"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
