"""What the "Help-desk staff" group (helpdesk 0002) holds for the recipient portal's work:
keeping the vaccine groups, their rules and the products; recording doses; reading
registrations and second-dose reminders. Staff delete no dose and no group, and never write a
registration or a reminder (those are the recipient's and the reminder run's).

Frozen here rather than imported: a migration says what was true when it ran.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Help-desk staff"
PERMISSIONS = {
    "portal": [
        "view_vaccinegroup",
        "change_vaccinegroup",
        "view_grouprule",
        "add_grouprule",
        "change_grouprule",
        "delete_grouprule",
        "view_product",
        "change_product",
        "view_dose",
        "add_dose",
        "change_dose",
        "view_registration",
        "view_seconddosereminder",
    ],
}


def _permissions(apps):
    # On a fresh database the permissions are created after the last migration (post_migrate):
    # create them now, the known way (as helpdesk 0002 does), so the group can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    found = []
    for app_label, codenames in PERMISSIONS.items():
        permissions = list(
            Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )
        missing = set(codenames) - {permission.codename for permission in permissions}
        if missing:
            raise RuntimeError(f"permissions missing for {app_label}: {sorted(missing)}")
        found += permissions
    return found


def grant(apps, schema_editor):
    group, _ = apps.get_model("auth", "Group").objects.get_or_create(name=GROUP)
    group.permissions.add(*_permissions(apps))


def revoke(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(*_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("helpdesk", "0002_help_desk_staff_group"),
        ("portal", "0002_groups_and_products"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
