"""The "Help-desk staff" group: exactly what the help desk's work in the admin needs.

Staff read the queue, open cases for callers and work them, read the timeline, attachments,
uploads and the outbox, and correct a recipient's email or a requester's location. They never
delete, and never see or change users, groups or permissions (a superuser makes staff).

Frozen here rather than imported: a migration says what was true when it ran.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Help-desk staff"
PERMISSIONS = {
    "helpdesk": [
        "view_case",
        "add_case",
        "change_case",
        "view_caseevent",
        "view_casefile",
        "view_requester",
        "change_requester",
    ],
    "recipients": ["view_recipient", "change_recipient"],
    "bulkupload": ["view_upload", "view_outboundemail"],
    "providers": ["view_location", "view_organization", "view_locationmanager"],
}


def create_group(apps, schema_editor):
    # On a fresh database the permissions are created after the last migration (post_migrate):
    # create them now, the known way, so the group can hold them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    wanted = []
    for app_label, codenames in PERMISSIONS.items():
        found = list(
            Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )
        missing = set(codenames) - {permission.codename for permission in found}
        if missing:
            raise RuntimeError(f"permissions missing for {app_label}: {sorted(missing)}")
        wanted += found
    group.permissions.set(wanted)


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("helpdesk", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
