"""A manager sees only their own location's data: anything else is a 404, never a leak."""

import pytest

from tests.helpers import make_recipient, make_upload


@pytest.fixture
def alices_recipient(demo_clinic):
    return make_recipient(demo_clinic, first_name="Zelda", last_name="Secretname")


@pytest.fixture
def alices_upload(demo_clinic, alice):
    return make_upload(demo_clinic, alice, file_name="alice-staff.csv")


def test_the_owner_sees_the_recipient(alice_client, alices_recipient):
    response = alice_client.get(f"/recipients/{alices_recipient.pk}/")
    assert response.status_code == 200
    assert b"Secretname" in response.content


def test_it_hides_another_locations_recipient(bob_client, alices_recipient):
    response = bob_client.get(f"/recipients/{alices_recipient.pk}/")
    assert response.status_code == 404
    assert b"Secretname" not in response.content


def test_it_hides_another_locations_upload(bob_client, alices_upload):
    response = bob_client.get(f"/reports/{alices_upload.pk}/")
    assert response.status_code == 404
    assert b"alice-staff.csv" not in response.content


def test_lists_show_only_the_managers_location(bob_client, alices_recipient, alices_upload):
    recipients = bob_client.get("/recipients/")
    assert b"Total number of records: 0" in recipients.content
    assert b"Secretname" not in recipients.content
    reports = bob_client.get("/reports/")
    assert b"alice-staff.csv" not in reports.content


def test_it_refuses_to_switch_to_another_managers_location(bob_client, demo_clinic):
    response = bob_client.post("/location/", {"pin": "NCA650001"})
    assert response.status_code == 404
    assert b"Demo Clinic" not in bob_client.get("/").content


def test_removed_recipients_are_hidden_even_from_their_location(alice_client, alices_recipient):
    from django.utils import timezone

    alices_recipient.removed_at = timezone.now()
    alices_recipient.save()
    assert alice_client.get(f"/recipients/{alices_recipient.pk}/").status_code == 404
    assert b"Total number of records: 0" in alice_client.get("/recipients/").content


@pytest.mark.parametrize(
    "path",
    ["/", "/bulk-registration/", "/bulk-registration/high-volume/", "/recipients/", "/reports/"],
)
def test_every_portal_page_requires_a_manager(client, charlie, path, db):
    assert client.get(path).status_code == 302  # anonymous: to login
    client.force_login(charlie)
    assert client.get(path).status_code == 302  # staff without a location: to the admin


def test_the_template_download_has_the_guides_columns(alice_client):
    response = alice_client.get("/bulk-registration/template.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    header = response.content.decode("utf-8-sig").splitlines()[0]
    assert header == "FirstName,LastName,Date of birth,Email"
