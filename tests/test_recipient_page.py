"""A recipient's own page: where they came from, their portal account, and how to remove them."""

import pytest

from providers.models import User
from tests.helpers import make_recipient, make_upload


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
