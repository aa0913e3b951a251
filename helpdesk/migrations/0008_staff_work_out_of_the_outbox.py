"""The outbox stays a system administrator's (helpdesk 0007's intent) now that it is an app
of its own.

Helpdesk 0007 took "view outbound email" from the Help-desk staff group under bulkupload's
label; outbox 0001 moved that permission to the outbox app, and outbox 0005 granted the
email's delivery history. Whichever ran first, agents hold neither: what became of a
recipient's welcome email is on the recipient's own page, which they read.

Frozen here rather than imported: a migration says what was true when it ran.
"""

from django.db import migrations

GROUP = "Help-desk staff"
REVOKED = {"outbox": ["view_outboundemail", "view_deliveryevent"]}


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
        ("helpdesk", "0007_staff_work_out_of_system_models"),
        ("outbox", "0005_staff_read_delivery_history"),
    ]

    operations = [migrations.RunPython(revoke, grant_again)]
