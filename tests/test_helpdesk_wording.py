"""What the help desk tells people, worded for who they are: no "Hello ," to an account
without a first name; a first-time manager is not told of "another location"; a requester who
manages no location is not sent to a Bulk Registration tab they cannot open; and a manager
finds their way back from the help desk to the provider portal."""

import pytest
from django.conf import settings
from django.core import mail

from helpdesk import actions
from helpdesk.models import Case, Verification
from outbox import sending
from outbox.composers import compose
from outbox.models import OutboundEmail
from providers.models import LocationManager
from tests.helpers import make_case, make_manager, make_user, person


@pytest.fixture
def staff(db):
    return make_user("staff@helpdesk.example", is_staff=True)


def _onboard(requester, location, staff, *people):
    case = make_case(requester, location, kind=Case.Kind.HCP_ONBOARDING, people=list(people))
    Verification.objects.create(user=requester, location=location, method="phone_on_file")
    assert actions.onboard_case_people(case, by=staff).ran
    return case


def _bodies(user) -> list[tuple[str, str]]:
    return [
        (message.subject, message.body)
        for message in map(compose, OutboundEmail.objects.filter(user=user).order_by("pk"))
    ]


def test_an_account_without_a_first_name_is_greeted_hello_without_a_gap(demo_clinic, alice, staff):
    _onboard(alice, demo_clinic, staff, {"first_name": "", "last_name": "", "email": "n@x.org"})
    nameless = LocationManager.objects.get(user__username="n@x.org").user
    ((_, body),) = _bodies(nameless)
    assert body.startswith("Hello,\n") and "Hello ," not in body


def test_a_case_email_to_a_requester_without_a_first_name_says_hello(demo_clinic, db):
    requester = make_user("nameless@clinic.example", first_name="")
    make_case(requester, demo_clinic, rows=[person()])
    (opened,) = _bodies(requester)
    assert opened[1].startswith("Hello,\n")


def test_a_help_desk_account_made_a_manager_for_the_first_time_is_not_told_another_location(
    demo_clinic, alice, staff
):
    helper = make_user("hd@clinic.example", first_name="Hana")  # a help-desk account, no location
    _onboard(alice, demo_clinic, staff, {"first_name": "Hana", "email": "hd@clinic.example"})
    ((subject, body),) = _bodies(helper)
    assert subject == "You are a Healthcare Location Manager of Demo Clinic (NCA650001)"
    assert "another location" not in subject + body
    assert "choose the location at the top" not in body
    assert body.startswith("Hello Hana,\n") and f"{settings.SITE_URL}/accounts/login/" in body


def test_a_manager_of_another_location_is_told_of_another_location(demo_clinic, alice, bob, staff):
    _onboard(alice, demo_clinic, staff, {"first_name": "Bob", "email": "bob@other.example"})
    ((subject, body),) = _bodies(bob)
    assert subject == "You are a Healthcare Location Manager of another location"
    assert "choose the location at the top of the page" in body


def _processed(requester, location, staff, capture):
    case = make_case(requester, location, rows=[person(), person("Bad", born="13/45/1990")])
    mail.outbox.clear()
    with capture(execute=True):
        actions.process_case_file(case, by=staff)
    sending.send_due_emails()
    return next(m for m in mail.outbox if m.subject.endswith("recipient file processed"))


def test_a_help_desk_only_requester_is_not_sent_to_the_bulk_registration_tab(
    demo_clinic, staff, eager_tasks, django_capture_on_commit_callbacks
):
    requester = make_user("rita@demo.example", first_name="Rita")
    Verification.objects.create(user=requester, location=demo_clinic, method="phone_on_file")
    result = _processed(requester, demo_clinic, staff, django_capture_on_commit_callbacks)
    assert "Bulk Registration tab" not in result.body
    assert (
        "new Recipient Bulk Upload request: http://testserver/help-desk/vaccine-provider/request/"
    )
    assert "/help-desk/vaccine-provider/request/" in result.body


def test_a_managing_requester_is_told_of_the_bulk_registration_tab(
    demo_clinic, alice, staff, eager_tasks, django_capture_on_commit_callbacks
):
    result = _processed(alice, demo_clinic, staff, django_capture_on_commit_callbacks)
    assert "upload them again on the Bulk Registration tab" in result.body


def test_the_case_page_offers_the_bulk_registration_tab_only_to_a_manager(
    client, demo_clinic, alice
):
    requester = make_user("rita@demo.example", first_name="Rita")
    case = make_case(requester, demo_clinic, rows=[person("Bad", born="13/45/1990")])
    client.force_login(requester)
    page = client.get(f"/help-desk/cases/{case.number}/").content.decode()
    assert "send them in a new request." in page and "Bulk Registration tab" not in page
    client.force_login(alice)
    managed = make_case(alice, demo_clinic, rows=[person("Bad", born="13/45/1990")])
    page = client.get(f"/help-desk/cases/{managed.number}/").content.decode()
    assert "or upload them on the Bulk Registration tab" in page


def test_the_help_desk_links_a_manager_back_to_the_provider_portal(client, demo_clinic, db):
    manager = make_manager("alice@demo.example", demo_clinic)
    client.force_login(manager)
    page = client.get("/help-desk/cases/").content.decode()
    assert '<a href="/" id="to-provider-portal">CVMS Provider Portal</a>' in page
    client.force_login(make_user("rita@demo.example"))
    assert 'id="to-provider-portal"' not in client.get("/help-desk/cases/").content.decode()
