"""Help-desk staff work in the admin; every model is there, and only staff get in.

Staff are the "Help-desk staff" group: they open every list but the accounts' (users, groups),
which only superusers manage.
"""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.helpers import make_recipient, make_upload

APPS = {"providers", "outbox", "recipients", "bulkupload", "helpdesk", "portal"}
MODELS = sorted(
    (model._meta.app_label, model._meta.model_name)
    for model in admin.site._registry
    if model._meta.app_label in APPS
)

# Bookkeeping the database writes itself (recipients/counts.py; the portal usernames' counters,
# recipients.usernames): nothing for a person to edit.
# Links between rows, shown where they point (an upload's summary is an email in the outbox).
INTERNAL = {
    ("recipients", "recipientcount"),
    ("providers", "portalusernamecounter"),
    ("bulkupload", "uploadsummaryemail"),
    ("bulkupload", "uploadbouncedigest"),
    # A re-upload's email changes: the managers review them on the upload's page (the portal),
    # and an accepted one is in the audit trail as the email correction it is.
    ("bulkupload", "uploademailchange"),
    ("outbox", "deliveryevent"),  # shown on its email's page
}

# Accounts are a superuser's business: staff get 403 there (tests/test_helpdesk_staff.py). So
# are the system's records (helpdesk and portal migrations 0002; tests/test_help_desk_workspace.py).
SUPERUSER_ONLY = {
    ("providers", "user"),
    ("outbox", "outboundemail"),
    ("portal", "grouprule"),
    ("portal", "seconddosereminder"),
}
STAFF_MODELS = [model for model in MODELS if model not in SUPERUSER_ONLY]


def test_every_project_model_is_registered():
    from django.apps import apps

    ours = {
        (model._meta.app_label, model._meta.model_name)
        for app in APPS
        for model in apps.get_app_config(app).get_models()
    }
    assert ours - INTERNAL <= set(MODELS)


@pytest.mark.parametrize(("app_label", "model_name"), STAFF_MODELS)
def test_staff_open_each_list_with_search_and_filters(client, charlie, app_label, model_name):
    client.force_login(charlie)
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    assert client.get(url).status_code == 200
    assert client.get(url, {"q": "smith"}).status_code == 200


@pytest.mark.parametrize(("app_label", "model_name"), sorted(SUPERUSER_ONLY))
def test_a_superuser_opens_each_system_list(client, root, app_label, model_name):
    client.force_login(root)
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    assert client.get(url, {"q": "smith"}).status_code == 200


def test_staff_open_a_recipient_and_cannot_delete_it(client, charlie, demo_clinic):
    recipient = make_recipient(demo_clinic)
    client.force_login(charlie)
    page = client.get(reverse("admin:recipients_recipient_change", args=[recipient.pk]))
    assert page.status_code == 200
    assert b"Removal" in page.content
    delete = client.get(reverse("admin:recipients_recipient_delete", args=[recipient.pk]))
    assert delete.status_code == 403


def test_staff_open_an_upload_without_loading_the_list_files(client, charlie, alice, demo_clinic):
    make_upload(demo_clinic, alice, content=b"x" * 1000, error_file=b"y" * 1000)
    client.force_login(charlie)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:bulkupload_upload_changelist"))
    assert b"staff.csv" in response.content
    listed = [q["sql"] for q in queries if 'FROM "bulkupload_upload"' in q["sql"]]
    assert listed
    for sql in listed:
        assert '"bulkupload_upload"."content"' not in sql
        assert '"bulkupload_upload"."error_file"' not in sql


def test_staff_search_locations_by_pin(client, charlie, demo_clinic, other_clinic):
    client.force_login(charlie)
    response = client.get(reverse("admin:providers_location_changelist"), {"q": "NCA650002"})
    assert b"Other Clinic" in response.content
    assert b"Demo Clinic" not in response.content


def test_managers_cannot_enter_the_admin(alice_client):
    response = alice_client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_a_superuser_creates_a_manager_in_the_admin(client, root, demo_clinic):
    client.force_login(root)
    response = client.post(
        reverse("admin:providers_user_add"),
        {
            "username": " NewManager@demo.example",
            "email": "NewManager@demo.example",
            "password1": "a-long-passphrase-2021",
            "password2": "a-long-passphrase-2021",
            "usable_password": "true",
            "location_roles-TOTAL_FORMS": "1",
            "location_roles-INITIAL_FORMS": "0",
            "location_roles-0-location": demo_clinic.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    from providers.models import User

    user = User.objects.get(username="newmanager@demo.example")
    assert list(user.managed_locations.all()) == [demo_clinic]
    client.logout()
    login = client.post(
        "/accounts/login/",
        {"username": "newmanager@demo.example", "password": "a-long-passphrase-2021"},
    )
    assert login.status_code == 302
