"""Help-desk staff as the "Help-desk staff" group makes them: what they may open in the admin,
what they may not, and the demo account that is one of them."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from providers.models import User
from tests.helpers import HELP_DESK_STAFF

STAFF_PERMISSIONS = {
    "helpdesk.view_case",
    "helpdesk.add_case",
    "helpdesk.change_case",
    "helpdesk.view_caseevent",
    "helpdesk.view_casefile",
    "helpdesk.view_requester",
    "helpdesk.change_requester",
    "recipients.view_recipient",
    "recipients.change_recipient",
    "bulkupload.view_upload",
    "bulkupload.view_outboundemail",
    "providers.view_location",
    "providers.view_organization",
    "providers.view_locationmanager",
}


def test_the_group_exists_after_migrations_with_exactly_the_work_s_permissions(db):
    group = Group.objects.get(name=HELP_DESK_STAFF)
    held = {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }
    assert held == STAFF_PERMISSIONS


def test_charlie_is_staff_through_the_group_not_a_superuser(charlie):
    assert charlie.is_staff and not charlie.is_superuser
    assert charlie.get_all_permissions() == STAFF_PERMISSIONS


def test_seed_demo_makes_the_help_desk_account_staff_in_the_group(db):
    call_command("seed_demo", stdout=StringIO())
    user = User.objects.get(username="helpdesk@demo.example")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == [HELP_DESK_STAFF]


def test_seed_demo_demotes_a_superuser_demo_account_once(db):
    User.objects.create_user("helpdesk@demo.example", "x", is_staff=True, is_superuser=True)
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("seed_demo", stdout=out)
    user = User.objects.get(username="helpdesk@demo.example")
    assert not user.is_superuser and user.groups.filter(name=HELP_DESK_STAFF).exists()
    assert "nothing created" in out.getvalue()


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:providers_user_changelist"),
        reverse("admin:providers_user_add"),
        reverse("admin:auth_group_changelist"),
        reverse("admin:auth_group_add"),
    ],
)
def test_staff_get_403_on_users_and_groups(client, charlie, url):
    client.force_login(charlie)
    assert client.get(url).status_code == 403


def test_staff_cannot_open_a_user_s_page(client, charlie, alice):
    client.force_login(charlie)
    assert client.get(reverse("admin:providers_user_change", args=[alice.pk])).status_code == 403
