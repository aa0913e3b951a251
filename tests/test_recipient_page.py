"""A recipient's own page: where they came from, their portal account, and how to remove them."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal import registrations
from portal.models import GroupRule
from providers.models import User
from tests.helpers import FRONTLINE_ANSWERS, make_recipient, make_registration, make_upload


@pytest.fixture
def upload(demo_clinic, alice):
    return make_upload(demo_clinic, alice, file_name="march-staff.csv")


def test_it_shows_who_loaded_them_and_through_which_upload(
    alice_client, alice, demo_clinic, upload
):
    # As an import writes it: who loaded them is the upload's uploader.
    recipient = make_recipient(demo_clinic, upload=upload)
    response = alice_client.get(f"/recipients/{recipient.pk}/")
    text = response.content.decode()
    assert "alice@demo.example" in text
    assert f'href="/reports/{upload.pk}/"' in text
    assert "march-staff.csv" in text
    assert "High Volume" in text


def test_it_says_whether_the_portal_account_is_set_up(alice_client, demo_clinic):
    account = User.objects.create_user(
        "john.smith@example.com", username="john.smith@example.com.covid19vaccine"
    )
    recipient = make_recipient(demo_clinic, account=account)
    page = alice_client.get(f"/recipients/{recipient.pk}/").content.decode()
    assert "john.smith@example.com.covid19vaccine" in page
    assert "Not set up yet" in page

    account.set_password("recipient-chose-this-2021")
    account.save()
    page = alice_client.get(f"/recipients/{recipient.pk}/").content.decode()
    assert ">Set up" in page


def test_there_is_no_delete_only_a_removal_request(alice_client, demo_clinic):
    recipient = make_recipient(demo_clinic)
    page = alice_client.get(f"/recipients/{recipient.pk}/").content.decode()
    assert "Request removal" in page
    assert "delete" not in page.lower().replace("cannot be deleted", "")
    assert alice_client.post(f"/recipients/{recipient.pk}/").status_code == 405


def test_the_removal_request_is_prefilled(alice_client, demo_clinic):
    recipient = make_recipient(demo_clinic, first_name="Zoë", last_name="O'Brien")
    response = alice_client.get(f"/help-desk/removal/{recipient.pk}/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "NCA650001" in text
    assert "Zoë O&#x27;Brien" in text
    assert "01/02/1990" in text
    assert f"<dd>{recipient.pk}</dd>" in text


def test_another_manager_cannot_request_removal_of_someone_elses_recipient(bob_client, demo_clinic):
    recipient = make_recipient(demo_clinic)
    assert bob_client.get(f"/help-desk/removal/{recipient.pk}/").status_code == 404


def test_seed_recipients_creates_many_people_quickly(db, demo_clinic):
    from io import StringIO

    from django.core.management import call_command

    from recipients.models import Recipient

    out = StringIO()
    call_command("seed_recipients", "1200", "--location", "NCA650001", stdout=out)
    assert "created 1200 recipients at NCA650001" in out.getvalue()
    assert Recipient.objects.filter(location=demo_clinic).count() == 1200
    sample = Recipient.objects.order_by("?").first()
    assert sample.name_first_last == sample.name_first_last.casefold()
    assert sample.first_name_key


# COVID-19 Vaccination Registration: the guide's "Uploaded Recipient completes registration" --


def _registration_section(page: str) -> str:
    start = page.index("COVID-19 Vaccination Registration</h2>")
    return page[start : page.index("</section>", start)]


def test_a_recipient_who_has_not_started_registering_says_so(alice_client, demo_clinic):
    recipient = make_recipient(demo_clinic)
    section = _registration_section(
        alice_client.get(f"/recipients/{recipient.pk}/").content.decode()
    )
    assert '<dd id="registration-status">Not started</dd>' in section
    assert "Vaccine group" not in section


def test_a_registration_in_progress_shows_no_group_yet(alice_client, demo_clinic):
    recipient = make_recipient(demo_clinic)
    make_registration(recipient, submitted=False, sex="female")
    section = _registration_section(
        alice_client.get(f"/recipients/{recipient.pk}/").content.decode()
    )
    assert '<dd id="registration-status">In progress</dd>' in section
    assert "Vaccine group" not in section


def test_a_submitted_registration_shows_its_date_and_vaccine_group(alice_client, demo_clinic):
    recipient = make_recipient(demo_clinic)
    with time_machine.travel(dt.datetime(2021, 3, 4, 15, 0, tzinfo=ZoneInfo("America/New_York"))):
        make_registration(recipient)
    section = _registration_section(
        alice_client.get(f"/recipients/{recipient.pk}/").content.decode()
    )
    assert '<dd id="registration-status">Submitted on Mar 4, 2021</dd>' in section
    assert '<dd id="vaccine-group">Group 3 — Frontline essential workers</dd>' in section


def test_the_group_shown_follows_the_rules_staff_change(alice_client, demo_clinic):
    recipient = make_recipient(demo_clinic)
    make_registration(recipient)
    # Staff move education out of the frontline sectors: the group is worked out again.
    GroupRule.objects.filter(group__number=3, sector="education").delete()
    section = _registration_section(
        alice_client.get(f"/recipients/{recipient.pk}/").content.decode()
    )
    assert '<dd id="vaccine-group">Group 5 — Everyone</dd>' in section


def test_the_registration_comes_with_the_recipient_not_in_a_query_of_its_own(
    alice_client, demo_clinic
):
    recipient = make_recipient(demo_clinic)
    registration = make_registration(recipient, submitted=False, **FRONTLINE_ANSWERS)
    with CaptureQueriesContext(connection) as queries:
        page = alice_client.get(f"/recipients/{recipient.pk}/")
    assert b"In progress" in page.content
    own = [q["sql"] for q in queries if q["sql"].startswith('SELECT "portal_registration"')]
    assert own == []
    # Submitted: the rules and the group, two queries more.
    with CaptureQueriesContext(connection) as before:
        alice_client.get(f"/recipients/{recipient.pk}/")
    registrations.submit(registration)
    with CaptureQueriesContext(connection) as after:
        alice_client.get(f"/recipients/{recipient.pk}/")
    assert len(after) <= len(before) + 2
