"""A location's manager records a dose for one of their recipients from the recipient's page:
the same rules as the admin's dose form, audited, reported to NCIR; anyone else's recipient is
a 404."""

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from portal.models import Dose, NcirMessage, Product
from tests.helpers import make_dose, make_recipient

TODAY = dt.date.today()


@pytest.fixture
def ana(demo_clinic):
    return make_recipient(demo_clinic, first_name="Ana", last_name="Okafor", email="a@example.com")


def _url(recipient) -> str:
    return f"/recipients/{recipient.pk}/doses/new/"


def _form(product="Pfizer-BioNTech", number=1, **fields) -> dict:
    return {
        "product": Product.objects.get(name=product).pk,
        "dose_number": str(number),
        "given_on": TODAY.isoformat(),
        "completion": "CP",
        "lot_number": "EL0140",
        "expiration_date": (TODAY + dt.timedelta(days=60)).isoformat(),
        "amount_ml": "",
        "site": "LD",
        "route": "IM",
        "vaccinator_name": "Nina Nurse",
        "vis_date": "2020-12-11",
        **fields,
    }


def test_the_recipient_page_shows_the_record_and_the_way_to_add_to_it(alice_client, ana):
    make_dose(ana, given_on=TODAY - dt.timedelta(days=21))
    page = alice_client.get(f"/recipients/{ana.pk}/")
    text = page.content.decode()
    assert "Vaccine record" in text
    assert "Pfizer-BioNTech" in text and "Not reported: incomplete" in text
    assert f'href="{_url(ana)}"' in text


def test_it_works(alice_client, ana):
    page = alice_client.get(_url(ana))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Record a dose" in text and "Ana Okafor" in text
    assert 'type="date"' in text and '<select name="product"' in text
    assert page.context["form"]["route"].value() == "IM"


def test_a_manager_records_a_dose_reported_to_ncir_and_audited(alice_client, alice, ana):
    response = alice_client.post(_url(ana), _form())
    assert response.status_code == 302
    assert response["Location"] == f"/recipients/{ana.pk}/"
    dose = Dose.objects.get()
    assert (dose.recipient, dose.location.pin, dose.recorded_by) == (ana, "NCA650001", alice)
    assert str(dose.amount_ml) == "0.30"  # the vaccine's usual amount, left empty
    assert list(NcirMessage.objects.values_list("action", "status")) == [("A", "pending")]
    event = AuditEvent.objects.get(action="dose_recorded")
    assert (event.actor, event.target) == (alice, f"dose {dose.pk}")
    assert "Okafor" not in event.detail
    page = alice_client.get(response["Location"])
    assert "Dose 1 of Pfizer-BioNTech is on the vaccine record." in page.content.decode()
    assert "Pending (Add)" in page.content.decode()


def test_the_rules_are_said_beside_the_fields(alice_client, ana):
    response = alice_client.post(_url(ana), _form(lot_number="", expiration_date="2020-01-01"))
    assert response.status_code == 400
    text = response.content.decode()
    assert "Enter the lot number from the vial." in text
    assert "This lot expired on Jan 1, 2020: it cannot have been given after that." in text
    assert not Dose.objects.exists()


def test_the_same_dose_number_twice_is_a_form_error(alice_client, ana):
    make_dose(ana, given_on=TODAY - dt.timedelta(days=1))
    response = alice_client.post(_url(ana), _form())
    assert response.status_code == 400
    assert "Dose 1 is already recorded for this recipient." in response.content.decode()
    assert Dose.objects.count() == 1


def test_it_checks_ownership(bob_client, ana):
    assert bob_client.get(_url(ana)).status_code == 404
    response = bob_client.post(_url(ana), _form())
    assert response.status_code == 404
    assert b"Okafor" not in response.content
    assert not Dose.objects.exists()


def test_a_removed_recipient_is_a_404(alice_client, ana):
    ana.removed_at = timezone.now()
    ana.save()
    assert alice_client.post(_url(ana), _form()).status_code == 404


def test_it_requires_sign_in(client, ana):
    response = client.get(_url(ana))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_location_is_the_recipient_s_whatever_is_posted(alice_client, ana, other_clinic):
    alice_client.post(
        _url(ana),
        _form(
            location=other_clinic.pk,
            recipient=make_recipient(other_clinic, first_name="Oz", email="oz@example.com").pk,
        ),
    )
    dose = Dose.objects.get()
    assert (dose.recipient, dose.location.pin) == (ana, "NCA650001")
