"""An access request in a browser: a stranger asked the help desk to make someone a manager of
Demo Clinic under another organization's name; staff see on the case's page that the requester
is unverified and typed another organization, and cannot onboard; Alice, a manager of Demo
Clinic, approves the request on her Home page and the person is onboarded. Axe-checked, and at
390 px no page scrolls sideways."""

import re

import pytest

from helpdesk.models import Case, Requester
from providers.models import LocationManager
from tests.helpers import accessible, make_case, make_user, screenshot_both_widths

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, path: str, label: str, username: str, password: str) -> None:
    page.goto(path)
    page.get_by_label(label).fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_a_manager_approves_an_access_request_on_home(
    page, screenshot, demo_clinic, alice, charlie, password
):
    stranger = make_user("sam@elsewhere.example", first_name="Sam", last_name="Stranger")
    Requester.objects.create(user=stranger, registration_code="VAC2021", must_change_password=False)
    case = make_case(
        stranger,
        demo_clinic,
        kind=Case.Kind.HCP_ONBOARDING,
        vfc_pin="NCA650001",
        organization_name="Somebody Else Inc",
        location_name="Demo Clinic",
        contact_name="Sam Stranger",
        contact_email="sam@elsewhere.example",
        people=[{"first_name": "Nina", "last_name": "New", "email": "nina@elsewhere.example"}],
    )

    # The requester: told what happens next.
    _sign_in(page, "/help-desk/login/", "Email", stranger.username, password)
    page.goto(f"/help-desk/cases/{case.number}/")
    page.get_by_role("heading", name="Waiting for verification").wait_for()
    accessible(page)
    screenshot_both_widths(page, screenshot, "0-requester-case")
    page.context.clear_cookies()

    # Staff: the case's page says what to decide, and offers no ONBOARD.
    _sign_in(page, "/admin/login/", "Username", charlie.username, password)
    page.goto(f"/admin/helpdesk/case/{case.pk}/change/")
    decide = page.locator("fieldset", has_text="What you need to decide")
    assert "VAC2021: the generic code." in decide.inner_text()
    assert "Typed: Somebody Else Inc — On record: Demo Health System" in decide.inner_text()
    assert "Waiting for verification." in decide.inner_text()
    assert page.get_by_role("button", name="Verify requester for NCA650001").is_visible()
    assert page.get_by_role("button", name="Onboard HCP users").count() == 0
    screenshot_both_widths(page, screenshot, "1-case-page")
    page.get_by_role("button", name="Verify requester for NCA650001").click()
    assert page.get_by_label("How you checked").is_visible()
    screenshot(page, "1-verify-page")
    page.context.clear_cookies()

    # Alice: the request on Home, approved.
    _sign_in(page, "/accounts/login/", "Email", alice.email, password)
    panel = page.get_by_role("region", name="Access requests")
    panel.get_by_text("Sam Stranger asks for access to Demo Clinic").wait_for()
    assert "Typed: Somebody Else Inc — On record: Demo Health System" in panel.inner_text()
    assert "Nina New, nina@elsewhere.example" in panel.inner_text()
    accessible(page)
    screenshot_both_widths(page, screenshot, "2-home")
    page.get_by_role("button", name="Approve the request of Sam Stranger").click()
    page.get_by_text(re.compile("Access approved. 1 new account")).wait_for()
    assert page.get_by_role("region", name="Access requests").count() == 0
    accessible(page)
    screenshot(page, "3-approved")
    assert LocationManager.objects.filter(
        user__username="nina@elsewhere.example", location=demo_clinic
    ).exists()
