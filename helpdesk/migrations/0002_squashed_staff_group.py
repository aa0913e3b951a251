"""The "Help-desk staff" group: exactly what the help desk's work in the admin needs, for the
apps up to this one (portal's 0002 adds the recipient portal's work).

Staff read the queue, open cases for callers and work them, read the timeline and attachments,
record how a requester was verified for a location, read uploads, and correct a recipient's
email or a requester's location. They never delete, and never see or change users, groups or
permissions (a superuser makes staff). The system's records (the outbox and its delivery
history, the audit trail) are a system administrator's: agents do not hold them.

A fresh database needs the group: the history before the squash made it in helpdesk 0002 and
changed it in 0004, 0006, 0007 and 0008 (and outbox 0001, 0005); this is where it ended up.
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
        "view_verification",
        "add_verification",
    ],
    "recipients": ["view_recipient", "change_recipient"],
    "bulkupload": ["view_upload"],
    "providers": ["view_location", "view_organization", "view_locationmanager"],
}


def make_permissions(apps) -> None:
    """On a fresh database permissions are made after the last migration (post_migrate): make
    them now, the known way, so that the group can hold them."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def permissions_named(apps, names: dict[str, list[str]]) -> list:
    """The permissions `names` lists by app; refuses a name that has none."""
    Permission = apps.get_model("auth", "Permission")
    found = []
    for app_label, codenames in names.items():
        permissions = list(
            Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )
        missing = set(codenames) - {permission.codename for permission in permissions}
        if missing:
            raise RuntimeError(f"permissions missing for {app_label}: {sorted(missing)}")
        found += permissions
    return found


def create_group(apps, schema_editor) -> None:
    make_permissions(apps)
    group, _ = apps.get_model("auth", "Group").objects.get_or_create(name=GROUP)
    group.permissions.set(permissions_named(apps, PERMISSIONS))


def delete_group(apps, schema_editor) -> None:
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    # A database that applied the history before the squash has the group: its last migration
    # stands for this one.
    replaces = [("helpdesk", "0008_staff_work_out_of_the_outbox")]

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("helpdesk", "0001_squashed_initial"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
