"""What the "Help-desk staff" group gains for the full vaccine record and NCIR: reading a
recipient's vaccine record on one page, reading what NCIR was sent and told, and resending
or downloading it (change). Still no deleting of doses: a superuser's work, which sends NCIR
a Delete.

Frozen here rather than imported: a migration says what was true when it ran.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Help-desk staff"
PERMISSIONS = {
    "portal": ["view_vaccinerecord", "view_ncirmessage", "change_ncirmessage"],
}


def _permissions(apps):
    # As migration 0003: on a fresh database permissions are created after the last
    # migration, so create them now for the group to hold them.
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
    dependencies = [("portal", "0006_ncir_messages")]

    operations = [migrations.RunPython(grant, revoke)]
