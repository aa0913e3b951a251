"""The buttons on a case's admin page, end to end through the admin client: confirm first, then
the service runs once; pressed again, it says what it did before."""

import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.urls import reverse

from bulkupload.models import Upload
from helpdesk.models import Case, CaseEvent, Requester, Verification
from outbox.models import OutboundEmail
from providers.models import LocationManager, User
from recipients.models import Recipient
from tests.helpers import make_case, make_recipient, make_user, person, signed_in

ROWS = [
    person("Ann", "Able", "1/2/1980", "ann.able@example.com"),
    person("Ben", "Baker", "3/4/1985", "ben.baker@example.com"),
    person("Cid", "", "5/6/1990", "cid@example.com"),  # no last name: fails
]


@pytest.fixture
def requester(db):
    return make_user("rita@demo.example", first_name="Rita")


@pytest.fixture
def staff_client(client, charlie):
    return signed_in(client, charlie)


def _action_url(case, tool):
    return reverse("admin:helpdesk_case_actions", kwargs={"pk": case.pk, "tool": tool})


def _confirm(client, case, tool):
    """The confirming POST, followed to the case's page (which shows, and so uses up, the
    messages)."""
    return client.post(_action_url(case, tool), {"confirm": "yes"}, follow=True)


def _messages(response):
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def _logged(case, user):
    return list(
        LogEntry.objects.filter(object_id=str(case.pk), user=user).values_list(
            "change_message", flat=True
        )
    )


# Process attached recipient file ---------------------------------------------------------------


def test_the_first_post_asks_to_confirm_with_the_file_and_location(
    staff_client, requester, demo_clinic
):
    case = make_case(requester, demo_clinic, rows=ROWS)
    page = staff_client.post(_action_url(case, "process_file"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "staff.csv (3 row(s), 1 failed when checked)" in text
    assert "Demo Clinic (NCA650001)" in text
    assert 'name="confirm" value="yes"' in text and "csrfmiddlewaretoken" in text
    assert Upload.objects.count() == 0


def test_processing_the_file_creates_its_recipients_at_the_case_location(
    staff_client, charlie, requester, demo_clinic, django_capture_on_commit_callbacks, eager_tasks
):
    case = make_case(requester, demo_clinic, rows=ROWS)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = _confirm(staff_client, case, "process_file")
    assert response.redirect_chain == [(reverse("admin:helpdesk_case_change", args=[case.pk]), 302)]
    assert _messages(response) == [("success", "Processing staff.csv for Demo Clinic (NCA650001).")]
    created = Recipient.objects.active().filter(location=demo_clinic)
    assert sorted(created.values_list("last_name", flat=True)) == ["Able", "Baker"]
    case.refresh_from_db()
    upload = Upload.objects.get()
    assert (case.upload, upload.source, upload.location) == (upload, "help_desk", demo_clinic)
    assert case.status == Case.Status.IN_PROGRESS
    assert list(case.events.filter(kind=CaseEvent.Kind.RESULT).values_list("text", flat=True)) == [
        "2 created, 1 failed"
    ]
    result = next(m for m in mail.outbox if m.subject.endswith("recipient file processed"))
    assert result.to == ["rita@demo.example"]
    assert "2 created, 1 failed" in result.body
    assert result.attachments == []
    assert _logged(case, charlie) == [
        "Process attached recipient file: Processing staff.csv for Demo Clinic (NCA650001)."
    ]


def test_a_second_confirm_creates_nobody_and_says_it_ran_before(
    staff_client, requester, demo_clinic, django_capture_on_commit_callbacks, eager_tasks
):
    case = make_case(requester, demo_clinic, rows=ROWS)
    with django_capture_on_commit_callbacks(execute=True):
        _confirm(staff_client, case, "process_file")
    with django_capture_on_commit_callbacks(execute=True):
        again = _confirm(staff_client, case, "process_file")
    assert _messages(again) == [("info", "Already sent for processing: 2 created, 1 failed")]
    assert Recipient.objects.filter(location=demo_clinic).count() == 2
    assert Upload.objects.count() == 1


def test_a_case_without_a_location_is_refused_with_what_to_fix(
    staff_client, requester, demo_clinic
):
    case = make_case(requester, demo_clinic, rows=ROWS)
    Case.objects.filter(pk=case.pk).update(location=None)  # the VFC PIN named no location
    response = _confirm(staff_client, case, "process_file")
    assert _messages(response) == [
        ("error", "The case has no location: set the location whose VFC PIN the request gives.")
    ]
    assert Upload.objects.count() == 0
    assert _logged(case, staff_client.session["_auth_user_id"]) == []


def test_a_get_to_an_action_url_changes_nothing(staff_client, requester, demo_clinic):
    case = make_case(requester, demo_clinic, rows=ROWS)
    version = case.version
    for tool in ("process_file", "remove_recipient", "onboard_people", "verify_requester"):
        response = staff_client.get(_action_url(case, tool), {"confirm": "yes"})
        assert response.status_code == 405
    case.refresh_from_db()
    assert (case.version, case.upload_id, Upload.objects.count()) == (version, None, 0)
    assert LogEntry.objects.count() == 0


def test_the_page_shows_only_the_buttons_of_the_case_s_kind(staff_client, requester, demo_clinic):
    upload_case = make_case(requester, demo_clinic, rows=ROWS)
    removal_case = make_case(requester, demo_clinic, kind=Case.Kind.REMOVAL)
    page = staff_client.get(reverse("admin:helpdesk_case_change", args=[upload_case.pk]))
    assert b"Process attached recipient file" in page.content
    assert b"Remove recipient" not in page.content
    assert b"Onboard HCP users" not in page.content
    page = staff_client.get(reverse("admin:helpdesk_case_change", args=[removal_case.pk]))
    assert b"Remove recipient" in page.content
    assert b"Process attached recipient file" not in page.content


# Remove recipient -----------------------------------------------------------------------------


def test_removal_removes_the_recipient_once(staff_client, charlie, requester, demo_clinic):
    account = make_user("john.smith@example.com.covid19vaccine")
    recipient = make_recipient(demo_clinic, account=account)
    case = make_case(
        requester,
        demo_clinic,
        kind=Case.Kind.REMOVAL,
        recipient=recipient,
        removal_reason="Left the practice",
    )
    page = staff_client.post(_action_url(case, "remove_recipient"))
    assert f"Recipient #{recipient.pk} (John Smith" in page.content.decode()
    recipient.refresh_from_db()
    assert recipient.removed_at is None

    response = _confirm(staff_client, case, "remove_recipient")
    assert _messages(response) == [("success", f"Recipient #{recipient.pk} was removed.")]
    recipient.refresh_from_db()
    account.refresh_from_db()
    assert recipient.removed_by == charlie
    assert recipient.removal_reason == f"{case.number}: Left the practice"
    assert not Recipient.objects.active().filter(pk=recipient.pk).exists()
    assert account.is_active is False
    assert case.events.filter(kind=CaseEvent.Kind.REMOVED).count() == 1

    again = _confirm(staff_client, case, "remove_recipient")
    assert _messages(again)[0][0] == "info"
    assert "was removed already" in _messages(again)[0][1]
    # The same person may be loaded again later.
    make_recipient(demo_clinic)
    assert Recipient.objects.active().filter(location=demo_clinic).count() == 1


def test_removal_without_a_recipient_says_to_set_it(staff_client, requester, demo_clinic):
    case = make_case(requester, demo_clinic, kind=Case.Kind.REMOVAL)
    response = _confirm(staff_client, case, "remove_recipient")
    assert _messages(response)[0][0] == "error"
    assert "Set the recipient on the case first" in _messages(response)[0][1]


# Onboard HCP users ----------------------------------------------------------------------------


def test_onboarding_makes_the_people_managers_once(staff_client, requester, demo_clinic, bob):
    people = [
        {"first_name": "Nina", "last_name": "New", "email": "Nina@Demo.example"},
        {"first_name": "Bob", "last_name": "B", "email": "bob@other.example"},
    ]
    case = make_case(requester, demo_clinic, kind=Case.Kind.HCP_ONBOARDING, people=people)
    # Staff checked who the requester is (tests/test_helpdesk_verification.py: until then, no).
    Verification.objects.create(user=requester, location=demo_clinic, method="phone_on_file")
    page = staff_client.post(_action_url(case, "onboard_people"))
    assert "Nina New &lt;Nina@Demo.example&gt;" in page.content.decode()
    assert not User.objects.filter(username="nina@demo.example").exists()

    response = _confirm(staff_client, case, "onboard_people")
    assert _messages(response)[0] == (
        "success",
        "1 new account(s) created, 1 existing account(s) added, as Healthcare Location "
        "Managers of Demo Clinic (NCA650001).",
    )
    nina = User.objects.get(username="nina@demo.example")
    managers = LocationManager.objects.filter(location=demo_clinic)
    assert set(managers.values_list("user__username", flat=True)) == {
        "nina@demo.example",
        "bob@other.example",
    }
    assert OutboundEmail.objects.filter(kind="account_setup", user=nina).count() == 1

    users = User.objects.count()
    again = _confirm(staff_client, case, "onboard_people")
    assert _messages(again)[0][0] == "info"
    assert _messages(again)[0][1].startswith("Onboarded already:")
    assert User.objects.count() == users
    assert OutboundEmail.objects.filter(kind="account_setup").count() == 1


# Verify requester -----------------------------------------------------------------------------


def test_verifying_a_requester_for_the_case_location_once(
    staff_client, charlie, requester, demo_clinic
):
    Requester.objects.create(user=requester, registration_code="VAC2021")
    case = make_case(requester, demo_clinic)
    page = staff_client.get(reverse("admin:helpdesk_case_change", args=[case.pk]))
    assert b"Verify requester for NCA650001" in page.content

    verify = {"confirm": "yes", "method": "phone_on_file", "note": ""}
    response = staff_client.post(_action_url(case, "verify_requester"), verify, follow=True)
    assert _messages(response)[0][0] == "success"
    assert _messages(response)[0][1].startswith("Verified for NCA650001 by charlie")
    verification = Verification.objects.get(user=requester)
    assert (verification.location, verification.verified_by) == (demo_clinic, charlie)
    assert case.events.filter(kind=CaseEvent.Kind.VERIFIED).count() == 1
    page = staff_client.get(reverse("admin:helpdesk_case_change", args=[case.pk]))
    assert b"Verify requester for" not in page.content  # done: not offered again

    again = staff_client.post(_action_url(case, "verify_requester"), verify, follow=True)
    assert _messages(again)[0][0] == "info"
    assert _messages(again)[0][1].startswith("Verified already: Verified for NCA650001")
    assert case.events.filter(kind=CaseEvent.Kind.VERIFIED).count() == 1


def test_managers_cannot_run_an_action(alice_client, requester, demo_clinic):
    case = make_case(requester, demo_clinic, rows=ROWS)
    response = alice_client.post(_action_url(case, "process_file"), {"confirm": "yes"})
    assert response.status_code == 302 and "/admin/login/" in response.url
    assert Upload.objects.count() == 0
