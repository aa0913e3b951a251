"""Help-desk staff keep what working a case needs, and no longer hold the system's records.

Agents work cases, requesters, verifications, recipients, registrations, doses, uploads and
locations. The outbox, the second-dose reminders, the Find My Group rules, the vaccine groups'
and products' settings and the audit trail are a system administrator's (a superuser's): they
filled an agent's admin with pages nobody on the phone needs, and let any agent change who may
be vaccinated. Agents still read the vaccine groups and products (to answer a recipient).

Frozen here rather than imported: a migration says what was true when it ran.
"""

from django.db import migrations

GROUP = "Help-desk staff"
REVOKED = {
    "bulkupload": ["view_outboundemail"],
    "portal": [
        "change_vaccinegroup",
        "view_grouprule",
        "add_grouprule",
        "change_grouprule",
        "delete_grouprule",
        "change_product",
        "view_seconddosereminder",
    ],
    "audit": ["view_auditevent"],
}


def _permissions(apps):
    Permission = apps.get_model("auth", "Permission")
    found = []
    for app_label, codenames in REVOKED.items():
        found += Permission.objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        )
    return found


def _group(apps):
    return apps.get_model("auth", "Group").objects.filter(name=GROUP).first()


def revoke(apps, schema_editor):
    group = _group(apps)
    if group is not None:
        group.permissions.remove(*_permissions(apps))


def grant_again(apps, schema_editor):
    group = _group(apps)
    if group is not None:
        group.permissions.add(*_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("helpdesk", "0006_verifications_kept"),
        # Where the portal's permissions were granted (helpdesk 0002 and 0004 granted the
        # outbox's and the audit trail's).
        ("portal", "0003_help_desk_staff_permissions"),
    ]

    operations = [migrations.RunPython(revoke, grant_again)]
