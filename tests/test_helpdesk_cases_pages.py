"""Following a case: My cases, the case's page and its failed records, each for those who may
see the case only (the requester, a manager of its location, staff)."""

import pytest
from django.test import Client
from django.utils import timezone

from helpdesk.actions import process_case_file
from helpdesk.cases import change_status, check_recipient_file, open_case, purge_case_files, record
from helpdesk.models import Case, CaseEvent, Requester, Verification
from tests.helpers import make_user, person, recipient_csv, signed_in

FILE = recipient_csv(
    person("Ann", "Lee", "5/6/1980", "ann.lee@example.com"),
    person("Bo", "Kim", "31/31/1980", "bo.kim@example.com"),
)


def _requester(email, location, first="Rita", last="Ramos"):
    user = make_user(email, first_name=first, last_name=last)
    Requester.objects.create(
        user=user, location=location, registration_code="x", must_change_password=False
    )
    return user


def _client(user):
    return signed_in(Client(), user)


@pytest.fixture
def rita(demo_clinic):
    return _requester("rita@clinic.example", demo_clinic)


@pytest.fixture
def bulk_case(rita, demo_clinic):
    case = Case(
        kind=Case.Kind.BULK_UPLOAD,
        requester=rita,
        location=demo_clinic,
        vfc_pin="NCA650001",
        organization_name="Demo Health System",
        location_name="Demo Clinic",
        contact_name="Rita Ramos",
        contact_phone="919-555-0100",
        description="Spring staff",
    )
    return open_case(case, attachment=check_recipient_file(FILE, "spring.csv"))


def _url(case, suffix=""):
    return f"/help-desk/cases/{case.number}/{suffix}"


def test_the_requester_sees_the_request_the_file_check_and_the_timeline(rita, bulk_case):
    page = _client(rita).get(_url(bulk_case)).content.decode()
    assert f"Case {bulk_case.number}" in page
    for shown in ("Recipient Bulk Upload", "NCA650001", "Demo Health System", "919-555-0100"):
        assert shown in page
    assert "spring.csv" in page
    assert 'id="attachment-rows">2<' in page and 'id="attachment-failed">1<' in page
    assert bulk_case.attachment.first_errors[0] in page
    assert "Rita Ramos" in page  # who opened it
    assert "Opened" in page


def test_the_attached_file_is_never_downloadable_or_shown(rita, bulk_case):
    page = _client(rita).get(_url(bulk_case)).content.decode()
    assert "ann.lee@example.com" not in page and "Ann" not in page  # a good row's data
    assert "failed-records.csv" not in page  # nothing processed yet
    assert _client(rita).get(_url(bulk_case, "failed-records.csv")).status_code == 404


def test_staff_appear_as_the_help_desk_and_internal_entries_are_hidden(rita, bulk_case, charlie):
    change_status(bulk_case, Case.Status.IN_PROGRESS, by=charlie, comment="Looking at it.")
    record(bulk_case, CaseEvent.Kind.DOWNLOADED, charlie, "Downloaded by staff", internal=True)
    page = _client(rita).get(_url(bulk_case)).content.decode()
    timeline = page[page.index('id="timeline"') :]
    assert "CVMS Help Desk" in timeline
    assert "charlie" not in page
    assert "Looking at it." in timeline and "New → In progress" in timeline
    assert "Downloaded by staff" not in page
    assert timeline.index("Opened") < timeline.index("Looking at it.")  # oldest first


@pytest.mark.parametrize("who", ["rita", "alice", "charlie"])
def test_the_requester_a_manager_of_the_location_and_staff_see_the_case(request, bulk_case, who):
    user = request.getfixturevalue(who)
    assert _client(user).get(_url(bulk_case)).status_code == 200


def test_another_requester_and_another_locations_manager_get_404(
    bulk_case, bob, charlie, eager_tasks, django_capture_on_commit_callbacks, other_clinic
):
    with django_capture_on_commit_callbacks(execute=True):
        process_case_file(bulk_case, by=charlie)
    other = _requester("oscar@other.example", other_clinic, first="Oscar")
    for user in (bob, other):
        client = _client(user)
        assert client.get(_url(bulk_case)).status_code == 404
        assert client.get(_url(bulk_case, "failed-records.csv")).status_code == 404
        assert bulk_case.number not in client.get("/help-desk/cases/").content.decode()


def test_a_processed_case_shows_the_result_and_serves_the_failed_records(
    rita, alice, bulk_case, charlie, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        process_case_file(bulk_case, by=charlie)
    bulk_case.refresh_from_db()
    assert bulk_case.upload.status == "done"
    # Rita registered with the location's PIN, which proves nothing: the failed records
    # ("Duplicated <email>" rows say who is loaded) wait until she is verified for it.
    page = _client(rita).get(_url(bulk_case)).content.decode()
    assert 'id="job-summary">1 created, 1 failed<' in page
    assert "failed-records.csv" not in page
    assert "shown only to people verified for Demo Clinic" in page
    assert _client(rita).get(_url(bulk_case, "failed-records.csv")).status_code == 404
    Verification.objects.create(user=rita, location=bulk_case.location, method="phone_on_file")
    page = _client(rita).get(_url(bulk_case)).content.decode()
    assert f'href="{_url(bulk_case, "failed-records.csv")}"' in page

    for user in (rita, alice):
        response = _client(user).get(_url(bulk_case, "failed-records.csv"))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert response["Content-Disposition"] == 'attachment; filename="spring-failed-records.csv"'
        content = b"".join(response)
        assert b"bo.kim@example.com" in content and b"ann.lee@example.com" not in content


def test_no_failed_records_file_once_purged(
    rita, bulk_case, charlie, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        process_case_file(bulk_case, by=charlie)
        change_status(Case.objects.get(), Case.Status.RESOLVED, by=charlie, comment="Done.")
    purge_case_files(now=timezone.now() + timezone.timedelta(days=365))
    # Verified, so nothing but the purge keeps the file from her.
    Verification.objects.create(user=rita, location=bulk_case.location, method="phone_on_file")
    client = _client(rita)
    assert client.get(_url(bulk_case, "failed-records.csv")).status_code == 404
    page = client.get(_url(bulk_case)).content.decode()
    assert "failed-records.csv" not in page
    assert "The file was deleted on" in page


def test_no_failed_records_file_when_nothing_failed(
    rita, demo_clinic, charlie, eager_tasks, django_capture_on_commit_callbacks
):
    data = recipient_csv(person())
    case = open_case(
        Case(kind=Case.Kind.BULK_UPLOAD, requester=rita, location=demo_clinic),
        attachment=check_recipient_file(data, "one.csv"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        process_case_file(case, by=charlie)
    assert Case.objects.get().upload.status == "done"
    assert _client(rita).get(_url(case, "failed-records.csv")).status_code == 404


def test_my_cases_lists_the_users_cases_with_their_facts(rita, bulk_case, alice, demo_clinic):
    mine = _client(rita).get("/help-desk/cases/").content.decode()
    assert f'href="{_url(bulk_case)}">{bulk_case.number}</a>' in mine
    assert "Recipient Bulk Upload" in mine and "New" in mine
    for column in ("Number", "Type", "Status", "Created", "Last update"):
        assert f">{column}</th>" in mine
    # Alice manages the case's location: she follows it too, and her own.
    own = open_case(Case(kind=Case.Kind.REMOVAL, requester=alice, location=demo_clinic))
    hers = _client(alice).get("/help-desk/cases/").content.decode()
    assert bulk_case.number in hers and own.number in hers
    assert own.number not in _client(rita).get("/help-desk/cases/").content.decode()


def test_my_cases_is_paginated(rita, demo_clinic):
    for _ in range(26):
        open_case(Case(kind=Case.Kind.REMOVAL, requester=rita, location=demo_clinic))
    client = _client(rita)
    first = client.get("/help-desk/cases/")
    assert len(first.context["cases"]) == 25
    assert "Page 1 of 2" in first.content.decode()
    assert len(client.get("/help-desk/cases/", {"page": 2}).context["cases"]) == 1


def test_an_unknown_case_number_is_404(rita, db):
    assert _client(rita).get("/help-desk/cases/CS9999999/").status_code == 404
