from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from portal.models import Product, VaccineGroup
from providers.models import Location, LocationManager, Organization, User
from recipients.models import Recipient
from tests.helpers import sign_in_request


@pytest.fixture(autouse=True)
def _development(settings):
    settings.DEBUG = True  # as `make run` has it; the tests run with DEBUG off


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Organization, Location, LocationManager, User))


def test_it_creates_the_demo_cast_from_the_outside_contract(db, settings):
    output = _seed()
    assert Organization.objects.get().name == "Demo Health System"
    assert dict(Location.objects.values_list("pin", "name")) == {
        "NCA650001": "Demo Clinic",
        "NCA650002": "Other Clinic",
    }
    manager = User.objects.get(username="manager@demo.example")
    assert [loc.pin for loc in manager.managed_locations.all()] == ["NCA650001"]
    other = User.objects.get(username="other@demo.example")
    assert [loc.pin for loc in other.managed_locations.all()] == ["NCA650002"]
    helpdesk = User.objects.get(username="helpdesk@demo.example")
    assert helpdesk.is_staff and not helpdesk.managed_locations.exists()
    assert manager.check_password(settings.DEMO_PASSWORD)
    assert settings.DEMO_PASSWORD in output


def test_with_debug_off_it_refuses_and_creates_nothing(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off: seed_demo would create accounts"):
        _seed()
    assert _counts() == (0, 0, 0, 0)


def test_with_debug_off_it_creates_them_when_told_to(db, settings):
    settings.DEBUG = False
    call_command("seed_demo", "--allow-production", stdout=StringIO())
    assert User.objects.get(username="manager@demo.example").check_password(settings.DEMO_PASSWORD)


def test_running_it_twice_creates_nothing_new(db):
    _seed()
    before = _counts()
    output = _seed()
    assert _counts() == before
    assert "nothing created" in output


def test_it_follows_a_changed_demo_password(db, settings):
    _seed()
    settings.DEMO_PASSWORD = "another-demo-pass"
    _seed()
    assert User.objects.get(username="manager@demo.example").check_password("another-demo-pass")


def test_the_demo_manager_logs_in(client, db, settings):
    _seed()
    response = client.post(
        "/accounts/login/",
        {"username": "manager@demo.example", "password": settings.DEMO_PASSWORD},
        follow=True,
    )
    assert b"Demo Clinic" in response.content
    assert b"Bulk Registration" in response.content


# The recipient portal's part ------------------------------------------------------------------

DEMO_RECIPIENT = "demo.recipient@demo.example.covid19vaccine"


def test_it_restores_missing_vaccine_groups_and_products_and_says_so(db):
    VaccineGroup.objects.filter(number=3).delete()  # its rules go with it
    Product.objects.filter(name="Moderna").delete()
    output = _seed()
    assert "created vaccine group 3 (Frontline essential workers) with its rules" in output
    assert "created vaccine product Moderna" in output
    assert VaccineGroup.objects.get(number=3).rules.count() == 8
    moderna = Product.objects.get(name="Moderna")
    assert (moderna.dose_count, moderna.second_dose_after_days) == (2, 28)
    assert list(VaccineGroup.objects.values_list("number", flat=True)) == [1, 2, 3, 4, 5]


def test_it_keeps_what_staff_changed_in_the_groups_and_products(db):
    Product.objects.filter(name="Pfizer-BioNTech").update(second_dose_after_days=22)
    VaccineGroup.objects.filter(number=5).update(being_vaccinated=False)
    output = _seed()
    assert "vaccine group" not in output and "vaccine product" not in output
    assert Product.objects.get(name="Pfizer-BioNTech").second_dose_after_days == 22
    assert VaccineGroup.objects.get(number=5).being_vaccinated is False


def test_it_makes_a_demo_recipient_with_a_portal_account(db, settings):
    output = _seed()
    recipient = Recipient.objects.get(account__username=DEMO_RECIPIENT)
    assert (recipient.first_name, recipient.last_name) == ("Demo", "Recipient")
    assert recipient.location.pin == "NCA650001"
    assert recipient.email == "demo.recipient@demo.example"
    assert (
        authenticate(sign_in_request(), username=DEMO_RECIPIENT, password=settings.DEMO_PASSWORD)
        is not None
    )
    assert f"created recipient portal account {DEMO_RECIPIENT}" in output
    assert f"sign in as {DEMO_RECIPIENT}" in output


def test_the_demo_recipient_follows_a_changed_demo_password(db, settings):
    _seed()
    settings.DEMO_PASSWORD = "another-demo-pass"
    output = _seed()
    assert (
        authenticate(sign_in_request(), username=DEMO_RECIPIENT, password="another-demo-pass")
        is not None
    )
    assert Recipient.objects.filter(account__username=DEMO_RECIPIENT).count() == 1
    assert "nothing created" in output


def test_the_demo_manager_sees_the_demo_recipient_not_started(client, db, settings):
    _seed()
    client.force_login(User.objects.get(username="manager@demo.example"))
    recipient = Recipient.objects.get(account__username=DEMO_RECIPIENT)
    page = client.get(f"/recipients/{recipient.pk}/").content.decode()
    assert "Demo" in page and '<dd id="registration-status">Not started</dd>' in page
