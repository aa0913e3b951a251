"""With STAFF_TWO_FACTOR on, staff get their staff powers only from a session that passed the
second factor, whatever door they came in by. A staff account (or a view-only one) signed in
at /help-desk/login/ with its password alone sees what any requester sees: its own cases, no
other case's page, no other case's failed records. Signed in at /admin/ with the code from a
real authenticator (django_otp's TOTP device), the same account sees every case."""

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from helpdesk.actions import process_case_file
from helpdesk.cases import check_recipient_file, open_case
from helpdesk.models import Case
from tests.helpers import make_staff, make_user, person, recipient_csv

FILE = recipient_csv(
    person("Ann", "Lee", "5/6/1980", "ann.lee@example.com"),
    person("Bo", "Kim", "31/31/1980", "bo.kim@example.com"),  # fails: its row is in the CSV
)


def _code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _case(requester, location, **fields) -> Case:
    case = Case(kind=Case.Kind.BULK_UPLOAD, requester=requester, location=location, **fields)
    return open_case(case, attachment=check_recipient_file(FILE, "spring.csv"))


@pytest.fixture
def two_factor(settings):
    settings.STAFF_TWO_FACTOR = True


@pytest.fixture
def processed_case(demo_clinic, charlie, eager_tasks, django_capture_on_commit_callbacks):
    """Another requester's case at Demo Clinic, processed, with a failed-records file."""
    rita = make_user("rita@clinic.example", first_name="Rita")
    case = _case(rita, demo_clinic, description="Spring staff")
    with django_capture_on_commit_callbacks(execute=True):
        process_case_file(case, by=charlie)
    case.refresh_from_db()
    assert case.upload.has_error_file
    return case


@pytest.fixture(params=["staff", "view-only staff"])
def staff_with_device(request, db):
    if request.param == "staff":
        user = make_staff("sam@helpdesk.example", first_name="Sam")
    else:  # staff flag, no group and no permission: the admin shows it nothing
        user = make_user("vic@helpdesk.example", first_name="Vic", is_staff=True)
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def _help_desk_sign_in(user, password) -> Client:
    client = Client()
    response = client.post("/help-desk/login/", {"username": user.username, "password": password})
    assert response.status_code == 302, "the help desk's sign-in takes the password alone"
    return client


def _admin_sign_in(user, password) -> Client:
    client = Client()
    device = TOTPDevice.objects.get(user=user)
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": user.username, "password": password, "otp_token": _code(device)},
    )
    assert response.status_code == 302, "the code was accepted"
    return client


def _sees(client, case) -> dict[str, int | bool]:
    return {
        "page": client.get(f"/help-desk/cases/{case.number}/").status_code,
        "csv": client.get(f"/help-desk/cases/{case.number}/failed-records.csv").status_code,
        "listed": case.number in client.get("/help-desk/cases/").content.decode(),
    }


def test_a_password_only_staff_session_sees_no_case_it_did_not_file(
    staff_with_device, password, processed_case, two_factor
):
    client = _help_desk_sign_in(staff_with_device, password)
    assert _sees(client, processed_case) == {"page": 404, "csv": 404, "listed": False}


def test_a_password_only_staff_session_still_sees_its_own_case(
    staff_with_device, password, demo_clinic, two_factor
):
    own = _case(staff_with_device, demo_clinic, description="My own question")
    client = _help_desk_sign_in(staff_with_device, password)
    assert _sees(client, own) == {"page": 200, "csv": 404, "listed": True}


def test_a_session_that_passed_the_second_factor_sees_every_case(
    staff_with_device, password, processed_case, two_factor
):
    client = _admin_sign_in(staff_with_device, password)
    assert _sees(client, processed_case) == {"page": 200, "csv": 200, "listed": True}
    csv = b"".join(client.get(f"/help-desk/cases/{processed_case.number}/failed-records.csv"))
    assert b"bo.kim@example.com" in csv


def test_without_two_factor_the_password_is_enough_for_staff(
    staff_with_device, password, processed_case
):
    client = _help_desk_sign_in(staff_with_device, password)
    assert _sees(client, processed_case) == {"page": 200, "csv": 200, "listed": True}
