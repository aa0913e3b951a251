"""Requesters verified before verification was per location keep their state.

Staff's VERIFY REQUESTER used to verify an account, for no location and by no recorded method.
Each such requester is now verified, method "unknown", for the locations their account was
about: the one they registered with and those of the cases they filed. Accounts that registered
with a Provider PIN but were never verified by staff are not: a PIN is printed on packing lists
and proves nothing. The help desk staff group may record verifications from now on.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Help-desk staff"
PERMISSIONS = ["view_verification", "add_verification"]
NOTE = "Verified before the method was recorded."


def keep_verified(apps, schema_editor):
    Requester = apps.get_model("helpdesk", "Requester")
    Case = apps.get_model("helpdesk", "Case")
    Verification = apps.get_model("helpdesk", "Verification")
    for profile in Requester.objects.filter(verified_at__isnull=False):
        locations = set(
            Case.objects.filter(requester_id=profile.user_id, location__isnull=False)
            .values_list("location_id", flat=True)
            .distinct()
        )
        if profile.location_id is not None:
            locations.add(profile.location_id)
        for location_id in sorted(locations):
            Verification.objects.get_or_create(
                user_id=profile.user_id,
                location_id=location_id,
                defaults={
                    "method": "unknown",
                    "note": NOTE,
                    "verified_by_id": profile.verified_by_id,
                    "verified_at": profile.verified_at,
                },
            )


def forget(apps, schema_editor):
    apps.get_model("helpdesk", "Verification").objects.filter(method="unknown").delete()


def grant(apps, schema_editor):
    app_config = apps.get_app_config("helpdesk")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="helpdesk", codename__in=PERMISSIONS)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="helpdesk", codename__in=PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0005_verification_assignment_questions")]

    operations = [
        migrations.RunPython(keep_verified, forget),
        migrations.RunPython(grant, revoke),
    ]
