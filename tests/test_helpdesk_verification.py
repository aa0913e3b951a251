"""Who may be given a location's recipients: the impostor's path through the help desk.

A stranger registers with the generic code VAC2021, or with the location's Provider PIN (it
is printed on packing lists), and asks to onboard someone as a manager of Demo Clinic
(NCA650001) under a made-up organization. Nobody is onboarded until someone trusted confirms
who they are: staff with a recorded method, or an existing manager of the location on their
Home page. A declined request grants nothing; other locations' managers never see it.
"""

from html import escape

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from helpdesk import actions
from helpdesk.cases import CaseRefused
from helpdesk.models import Case, CaseEvent, Requester, Verification
from outbox import sending as outbox
from outbox.models import OutboundEmail
from providers.models import LocationManager, User
from tests.helpers import PASSWORD, make_recipient, person, recipient_csv, signed_in

REQUEST = "/help-desk/vaccine-provider/request/"
STRANGER = "stranger@elsewhere.example"
NINA = "nina@elsewhere.example"
CODES = ["VAC2021", "NCA650001"]


@pytest.fixture
def staff_client(charlie):
    return signed_in(Client(), charlie)


@pytest.fixture(params=CODES)
def impostor(request, demo_clinic):
    """A stranger registered on the help desk with the parametrised code, signed in."""
    return _registered(request.param)


def _registered(code: str, email: str = STRANGER) -> tuple[Client, User]:
    client = Client()
    data = {"first_name": "Sam", "last_name": "Stranger", "email": email, "code": code}
    assert client.post("/help-desk/register/", data).status_code == 302
    user = User.objects.get(username=email)
    Requester.objects.filter(user=user).update(must_change_password=False)
    client.force_login(user)
    return client, user


def _ask(client: Client, kind: str = "hcp_onboarding", **fields) -> Case:
    """A request for Demo Clinic as the impostor types it: another organization's name."""
    data = {
        "kind": kind,
        "vfc_pin": "NCA650001",
        "organization_name": "Somebody Else Inc",
        "location_name": "Demo Clinic",
        "contact_name": "Sam Stranger",
        "contact_email": STRANGER,
        "people-TOTAL_FORMS": "1",
        "people-INITIAL_FORMS": "0",
        "people-0-first_name": "Nina",
        "people-0-last_name": "New",
        "people-0-email": NINA,
        **fields,
    }
    response = client.post(REQUEST, data)
    assert response.status_code == 302, response.content.decode()
    return Case.objects.latest("pk")


def _action(client: Client, case: Case, tool: str, **data):
    url = reverse("admin:helpdesk_case_actions", kwargs={"pk": case.pk, "tool": tool})
    return client.post(url, {"confirm": "yes", **data}, follow=True)


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _admin_page(client: Client, case: Case) -> str:
    return client.get(reverse("admin:helpdesk_case_change", args=[case.pk])).content.decode()


def _today() -> str:
    return f"{timezone.localdate():%b %-d, %Y}"


def _sees_demo_clinic(email: str) -> bool:
    """Whether the account, signed in to the provider portal, works on Demo Clinic."""
    user = User.objects.get(username=email)
    user.set_password(PASSWORD)
    user.save()
    client = Client()
    client.force_login(user)
    home = client.get("/")
    return home.status_code == 200 and "Provider PIN NCA650001" in home.content.decode()


def _approve(client: Client, case: Case):
    return client.post(reverse("helpdesk:access_approve", args=[case.number]))


def _decline(client: Client, case: Case, reason: str):
    url = reverse("helpdesk:access_decline", args=[case.number])
    return client.post(url, {f"{case.number}-reason": reason})


# Refused until verified ------------------------------------------------------------------------


def test_onboarding_is_refused_until_the_requester_is_verified(impostor, staff_client):
    client, stranger = impostor
    case = _ask(client)
    response = _action(staff_client, case, "onboard_people")
    assert _messages(response)[0].startswith(
        f"Waiting for verification: {STRANGER} is not verified for Demo Clinic (NCA650001)."
    )
    assert not User.objects.filter(username=NINA).exists()
    assert not LocationManager.objects.filter(user=stranger).exists()
    assert not case.events.filter(kind=CaseEvent.Kind.ONBOARDED).exists()
    with pytest.raises(CaseRefused, match="^Waiting for verification"):
        actions.onboard_case_people(case, by=User.objects.get(username="charlie@helpdesk.example"))


def test_the_requester_is_told_they_wait_for_verification(impostor, alice):
    client, _ = impostor
    case = _ask(client)
    outbox.send_due_emails()
    (confirmation,) = [m for m in mail.outbox if m.subject == f"Case {case.number} received"]
    assert "Waiting for verification" in confirmation.body
    assert "a Healthcare Location Manager of Demo Clinic or the CVMS Help Desk" in confirmation.body
    page = client.get(f"/help-desk/cases/{case.number}/").content.decode()
    assert "Waiting for verification" in page
    assert "the location's managers see your request" in page

    assert _approve(Client(), case).status_code == 302  # anonymous: sent to sign in
    alice_client = Client()
    alice_client.force_login(alice)
    _approve(alice_client, case)
    assert (
        "Waiting for verification"
        not in client.get(f"/help-desk/cases/{case.number}/").content.decode()
    )


def test_the_help_desk_home_says_a_registration_code_gives_no_access(impostor):
    client, _ = impostor
    page = client.get("/help-desk/").content.decode()
    assert "Your registration code does not give you access to any location" in page


def test_a_manager_of_the_location_is_trusted_and_asks_nobody(alice, demo_clinic, staff_client):
    client = Client()
    client.force_login(alice)
    case = _ask(client, organization_name="Demo Health System")
    assert (
        "Waiting for verification"
        not in client.get(f"/help-desk/cases/{case.number}/").content.decode()
    )
    assert "Access requests" not in client.get("/").content.decode()
    response = _action(staff_client, case, "onboard_people")
    assert _messages(response)[0].startswith("1 new account(s) created")


# Staff verify, with a method -------------------------------------------------------------------


def test_staff_verify_with_a_method_then_onboarding_works(impostor, staff_client, charlie):
    client, stranger = impostor
    case = _ask(client)
    page = _admin_page(staff_client, case)
    assert "Verify requester for NCA650001" in page
    assert "Onboard HCP users" not in page  # not offered while waiting

    response = _action(staff_client, case, "verify_requester", method="enrollment_record")
    expected = (
        f"Verified for NCA650001 by {charlie} on {_today()}: "
        "Checked the organization's enrollment record"
    )
    assert _messages(response) == [expected]
    verification = Verification.objects.get(user=stranger)
    assert (verification.location.pin, verification.method) == ("NCA650001", "enrollment_record")
    assert (verification.verified_by, verification.case) == (charlie, case)
    assert case.events.filter(kind=CaseEvent.Kind.VERIFIED, actor=charlie).count() == 1
    audit = AuditEvent.objects.get(action=AuditEvent.Action.REQUESTER_VERIFIED)
    assert (audit.actor, audit.target) == (charlie, f"case {case.number}")
    assert audit.detail == "for NCA650001: enrollment_record"
    assert LogEntry.objects.filter(object_id=str(case.pk), user=charlie).count() == 1

    page = _admin_page(staff_client, case)
    assert escape(expected) in page
    assert "Verify requester for" not in page and "Onboard HCP users" in page
    response = _action(staff_client, case, "onboard_people")
    assert _messages(response)[0].startswith("1 new account(s) created")
    assert _sees_demo_clinic(NINA)
    assert f"Onboarded on {_today()}:</strong> 1 new account(s) created" in _admin_page(
        staff_client, case
    )


def test_verifying_needs_a_method_and_a_note_for_other(demo_clinic, staff_client):
    client, stranger = _registered("VAC2021")
    case = _ask(client)
    for data, error in (
        ({}, "Choose how you checked who the requester is."),
        ({"method": "unknown"}, "Select a valid choice."),
        ({"method": "other", "note": "  "}, "&quot;Other&quot; needs a note."),
    ):
        url = reverse(
            "admin:helpdesk_case_actions", kwargs={"pk": case.pk, "tool": "verify_requester"}
        )
        response = staff_client.post(url, {"confirm": "yes", **data})
        assert response.status_code == 400
        assert error in response.content.decode()
    assert not Verification.objects.exists()
    _action(staff_client, case, "verify_requester", method="other", note="Met her at the clinic")
    assert Verification.objects.get(user=stranger).note == "Met her at the clinic"


# Managers decide on Home ------------------------------------------------------------------------


def test_a_manager_approves_the_access_request_on_home(impostor, alice):
    client, stranger = impostor
    case = _ask(client)
    alice_client = Client()
    alice_client.force_login(alice)
    home = alice_client.get("/").content.decode()
    assert "Access requests" in home
    assert "Sam Stranger" in home and STRANGER in home
    assert "Typed: Somebody Else Inc — On record: Demo Health System" in home
    assert f"Nina New, {NINA}" in home

    response = _approve(alice_client, case)
    assert response.status_code == 302 and response.url == "/"
    verification = Verification.objects.get(user=stranger, location__pin="NCA650001")
    assert (verification.method, verification.verified_by) == ("manager_confirmed", alice)
    case.refresh_from_db()
    assert (case.access_decision, case.access_decided_by) == ("approved", alice)
    assert case.events.filter(kind=CaseEvent.Kind.ACCESS_APPROVED, actor=alice).exists()
    assert AuditEvent.objects.filter(action="access_approved", actor=alice).count() == 1
    nina = User.objects.get(username=NINA)
    assert OutboundEmail.objects.filter(kind="account_setup", user=nina).count() == 1
    assert _sees_demo_clinic(NINA)
    assert "Access requests" not in alice_client.get("/").content.decode()
    assert _approve(alice_client, case).status_code == 404  # decided: gone


def test_a_declined_request_grants_nothing(impostor, alice, staff_client):
    client, stranger = impostor
    case = _ask(client)
    alice_client = Client()
    alice_client.force_login(alice)
    empty = _decline(alice_client, case, "  ")
    assert empty.status_code == 400
    assert "Say why you decline: the requester is told." in empty.content.decode()
    assert Case.objects.get(pk=case.pk).access_decision == ""

    response = _decline(alice_client, case, "Nobody of that name works here.")
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.access_decision, case.status) == ("declined", Case.Status.REJECTED)
    assert case.access_decision_reason == "Nobody of that name works here."
    assert AuditEvent.objects.filter(action="access_declined", actor=alice).count() == 1
    assert not Verification.objects.filter(user=stranger).exists()
    outbox.send_due_emails()
    rejected = [m for m in mail.outbox if m.to == [STRANGER] and "Rejected" in m.subject]
    assert "Nobody of that name works here." in rejected[0].body
    assert "Access requests" not in alice_client.get("/").content.decode()
    page = _admin_page(staff_client, case)
    assert f"Declined by {alice} on {_today()}: Nobody of that name works here." in page
    assert "Nobody was given access." in page and "Onboard HCP users" not in page
    _action(staff_client, case, "onboard_people")
    assert not User.objects.filter(username=NINA).exists()
    assert not LocationManager.objects.filter(user=stranger).exists()


def test_staff_verifying_after_a_manager_declined_give_their_reason(alice, staff_client):
    client, stranger = _registered("NCA650001")
    case = _ask(client)
    alice_client = Client()
    alice_client.force_login(alice)
    _decline(alice_client, case, "Not one of ours.")
    url = reverse("admin:helpdesk_case_actions", kwargs={"pk": case.pk, "tool": "verify_requester"})
    response = staff_client.post(url, {"confirm": "yes", "method": "phone_on_file"})
    assert response.status_code == 400
    assert "A manager of the location declined" in response.content.decode()
    assert not Verification.objects.exists()
    note = "Called the clinic: the new practice manager, the old one did not know her."
    _action(staff_client, case, "verify_requester", method="phone_on_file", note=note)
    assert Verification.objects.get(user=stranger).note == note


def test_other_locations_managers_and_staff_cannot_see_or_decide(impostor, bob, charlie, alice):
    client, _ = impostor
    case = _ask(client)
    bob_client, charlie_client = Client(), Client()
    bob_client.force_login(bob)
    charlie_client.force_login(charlie)
    assert "Access requests" not in bob_client.get("/").content.decode()
    for someone in (bob_client, charlie_client, client):
        assert _approve(someone, case).status_code == 404
        assert _decline(someone, case, "no").status_code == 404
    alice_client = Client()
    alice_client.force_login(alice)
    assert (
        alice_client.get(reverse("helpdesk:access_approve", args=[case.number])).status_code == 405
    )
    case.refresh_from_db()
    assert case.access_decision == "" and not Verification.objects.exists()


# What the case page says -----------------------------------------------------------------------


def test_the_case_page_tells_the_agent_what_to_decide(demo_clinic, alice, staff_client):
    client, _ = _registered("VAC2021")
    page = _admin_page(staff_client, _ask(client))
    assert "What you need to decide" in page
    assert "VAC2021: the generic code." in page
    assert "<strong>Not verified</strong> for NCA650001." in page
    assert "No. Demo Clinic (NCA650001) has 1 manager(s)" in page
    assert "Typed: Somebody Else Inc — On record: Demo Health System" in page
    assert "Waiting for verification." in page

    client, _ = _registered("NCA650001", email="pin@elsewhere.example")
    page = _admin_page(staff_client, _ask(client, organization_name="Demo Health System"))
    assert "NCA650001: a Provider PIN." in page
    assert "<strong>Not verified</strong> for NCA650001." in page
    assert "Organization, location and VFC PIN match the record." in page


def test_an_unverified_requesters_file_is_processed_and_the_result_gives_counts_only(
    demo_clinic, staff_client, eager_tasks, django_capture_on_commit_callbacks
):
    make_recipient(demo_clinic, email="loaded@example.com")  # John Smith, 1/2/1990
    client, stranger = _registered("NCA650001")
    data = recipient_csv(
        person(email="loaded@example.com"), person("Ann", "Lee", "3/4/1980", "ann@example.com")
    )
    case = _ask(client, kind="bulk_upload", file=SimpleUploadedFile("staff.csv", data))
    assert "The file may still be processed" in _admin_page(staff_client, case)
    with django_capture_on_commit_callbacks(execute=True):
        _action(staff_client, case, "process_file")
    outbox.send_due_emails()
    (result,) = [m for m in mail.outbox if m.subject.endswith("recipient file processed")]
    # The person loaded at the location already is neither created nor failed.
    assert "1 created, 0 failed, 1 already loaded (nothing to do)" in result.body
    assert "can be downloaded from the case's page" not in result.body
    assert "loaded@example.com" not in result.body and "Duplicated" not in result.body
    page = client.get(f"/help-desk/cases/{case.number}/").content.decode()
    assert "failed-records.csv" not in page
    assert client.get(f"/help-desk/cases/{case.number}/failed-records.csv").status_code == 404


def test_staff_without_the_verification_permission_cannot_verify(demo_clinic, db):
    clerk = User.objects.create_user("clerk@helpdesk.example", PASSWORD, is_staff=True)
    clerk.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="helpdesk", codename__in=["view_case", "change_case"]
        )
    )
    client, _ = _registered("VAC2021")
    case = _ask(client)
    clerk_client = Client()
    clerk_client.force_login(clerk)
    assert "Verify requester for" not in _admin_page(clerk_client, case)
    url = reverse("admin:helpdesk_case_actions", kwargs={"pk": case.pk, "tool": "verify_requester"})
    response = clerk_client.post(url, {"confirm": "yes", "method": "phone_on_file"})
    assert response.status_code == 403
    assert not Verification.objects.exists()
