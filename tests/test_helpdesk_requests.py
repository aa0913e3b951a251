"""Filing requests on the help desk (guide, "Submit a Recipient Bulk Upload Request", "How to
Remove Loaded Recipients"): the request form, its checked file, onboarding rows, removals."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bulkupload.engine import FileRejected
from helpdesk.forms import UNKNOWN_PIN
from helpdesk.models import Case, CaseFile, Requester
from outbox.models import OutboundEmail
from tests.helpers import check_file, make_recipient, make_user, person, recipient_csv, signed_in

REQUEST = "/help-desk/vaccine-provider/request/"
REMOVAL = "/help-desk/vaccine-provider/removal/"
GOOD = recipient_csv(person(), person("Jane", "Doe", "3/4/1985", "jane.doe@example.com"))


@pytest.fixture
def rita(demo_clinic):
    """A requester registered with Demo Clinic's PIN, her password changed already."""
    user = make_user("rita@clinic.example", first_name="Rita", last_name="Ramos")
    Requester.objects.create(
        user=user, location=demo_clinic, registration_code="NCA650001", must_change_password=False
    )
    return user


@pytest.fixture
def rita_client(client, rita):
    return signed_in(client, rita)


def _request(client, kind="bulk_upload", file=GOOD, name="staff.csv", **fields):
    data = {
        "kind": kind,
        "vfc_pin": "NCA650001",
        "organization_name": "Demo Health System",
        "location_name": "Demo Clinic",
        "contact_name": "Rita Ramos",
        "contact_email": "rita@clinic.example",
        "contact_phone": "919-555-0100",
        "description": "Our spring staff.",
        "people-TOTAL_FORMS": "5",
        "people-INITIAL_FORMS": "0",
        **fields,
    }
    if file is not None:
        data["file"] = SimpleUploadedFile(name, file, content_type="text/csv")
    return client.post(REQUEST, data)


def test_the_form_is_prefilled_from_the_requesters_location(rita_client):
    form = rita_client.get(REQUEST).context["form"]
    assert form.initial["vfc_pin"] == "NCA650001"
    assert form.initial["organization_name"] == "Demo Health System"
    assert form.initial["location_name"] == "Demo Clinic"
    assert form.initial["contact_name"] == "Rita Ramos"
    assert form.initial["contact_email"] == "rita@clinic.example"


def test_a_manager_without_registration_gets_their_first_location(alice_client):
    assert alice_client.get(REQUEST).context["form"].initial["vfc_pin"] == "NCA650001"


def test_the_form_has_the_guides_fields_with_labels(rita_client):
    page = rita_client.get(REQUEST).content.decode()
    for label in ("Request type", "VFC PIN", "RECIPIENT BULK UPLOAD FILE", "Contact phone"):
        assert f">{label}</label>" in page
    assert '<option value="bulk_upload">Recipient Bulk Upload</option>' in page
    assert '<option value="hcp_onboarding">HCP Onboarding</option>' in page
    assert 'enctype="multipart/form-data"' in page and "csrfmiddlewaretoken" in page
    assert page.count('name="people-') >= 5 * 3


def test_a_bulk_upload_opens_a_case_with_the_checked_file_and_a_confirmation(rita_client, rita):
    response = _request(rita_client)
    case = Case.objects.get()
    assert (response.status_code, response.url) == (302, f"/help-desk/cases/{case.number}/")
    assert case.number.startswith("CS") and len(case.number) == 9
    assert (case.kind, case.requester, case.location.pin) == ("bulk_upload", rita, "NCA650001")
    attachment = CaseFile.objects.get(case=case)
    assert (attachment.file_name, attachment.rows, attachment.failed_rows) == ("staff.csv", 2, 0)
    assert bytes(attachment.content) == GOOD
    confirmation = OutboundEmail.objects.get(user=rita, kind="message")
    assert confirmation.subject == f"Case {case.number} received"

    page = rita_client.get(response.url).content.decode()
    assert (
        f"Your request was submitted. Your case number is {case.number}. "
        "You will receive a confirmation email."
    ) in page


def test_row_errors_are_shown_and_do_not_block_the_request(rita_client):
    data = recipient_csv(person(), person("Jane", "Doe", "13/45/1985", "jane.doe@example.com"))
    expected = check_file(data).errors[0].message
    response = _request(rita_client, file=data)
    case = Case.objects.get()
    assert response.url == f"/help-desk/cases/{case.number}/"
    assert (case.attachment.rows, case.attachment.failed_rows) == (2, 1)
    page = rita_client.get(response.url).content.decode()
    assert "1 of 2 rows in staff.csv have errors" in page
    assert expected in page


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x01\x02 this is not a spreadsheet \xff\xfe",
        recipient_csv(("Jane", "Doe"), header=("FirstName", "LastName")),
    ],
    ids=["unreadable", "missing-column"],
)
def test_a_file_the_engine_refuses_is_shown_on_the_file_field_and_nothing_is_kept(
    rita_client, data
):
    with pytest.raises(FileRejected) as rejected:
        check_file(data)
    response = _request(rita_client, file=data)
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [rejected.value.message]
    assert 'id="id_file_error"' in response.content.decode()
    assert not Case.objects.exists() and not CaseFile.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_a_file_over_the_size_limit_is_refused(rita_client, settings):
    settings.UPLOAD_MAX_BYTES = 60
    response = _request(rita_client, file=GOOD + b"x" * 100)
    assert response.status_code == 400
    assert "The file is larger than 60" in response.context["form"].errors["file"][0]
    assert not Case.objects.exists()


def test_a_bulk_upload_needs_its_file(rita_client):
    response = _request(rita_client, file=None)
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == ["Choose a file to upload."]
    assert not Case.objects.exists()


def test_a_bulk_upload_needs_the_pin_of_an_existing_location(rita_client):
    response = _request(rita_client, vfc_pin="NCA999999")
    assert response.status_code == 400
    assert response.context["form"].errors["vfc_pin"] == [UNKNOWN_PIN]
    assert UNKNOWN_PIN in response.content.decode()
    assert not Case.objects.exists()


def test_the_pin_names_the_cases_location_even_when_typed_in_lower_case(rita_client, other_clinic):
    _request(rita_client, vfc_pin="nca650002")
    assert Case.objects.get().location == other_clinic


def _people(*rows):
    data = {}
    for index, (first, last, email) in rows:
        data.update(
            {
                f"people-{index}-first_name": first,
                f"people-{index}-last_name": last,
                f"people-{index}-email": email,
            }
        )
    return data


def test_hcp_onboarding_keeps_the_people_rows_in_order(rita_client):
    rows = _people(
        (0, ("Ann", "Lee", "ann@clinic.example")), (2, ("Bo", "Kim", "bo@clinic.example"))
    )
    response = _request(rita_client, kind="hcp_onboarding", file=None, **rows)
    case = Case.objects.get()
    assert response.url == f"/help-desk/cases/{case.number}/"
    assert case.kind == "hcp_onboarding" and case.location.pin == "NCA650001"
    assert case.people == [
        {"first_name": "Ann", "last_name": "Lee", "email": "ann@clinic.example"},
        {"first_name": "Bo", "last_name": "Kim", "email": "bo@clinic.example"},
    ]
    assert not CaseFile.objects.exists()
    assert "ann@clinic.example" in rita_client.get(response.url).content.decode()


def test_hcp_onboarding_needs_at_least_one_person(rita_client):
    response = _request(rita_client, kind="hcp_onboarding", file=None)
    assert response.status_code == 400
    assert "Add at least one person to onboard" in response.content.decode()
    assert not Case.objects.exists()


def test_a_half_filled_person_row_is_an_error(rita_client):
    rows = _people((0, ("Ann", "", "not-an-email")))
    response = _request(rita_client, kind="hcp_onboarding", file=None, **rows)
    assert response.status_code == 400
    assert 'id="id_people-0-last_name_error"' in response.content.decode()
    assert not Case.objects.exists()


def test_hcp_onboarding_needs_a_known_location_too(rita_client):
    rows = _people((0, ("Ann", "Lee", "ann@clinic.example")))
    response = _request(rita_client, kind="hcp_onboarding", file=None, vfc_pin="VAC2021", **rows)
    assert response.context["form"].errors["vfc_pin"] == [UNKNOWN_PIN]
    assert not Case.objects.exists()


# Removal -----------------------------------------------------------------------------------------


def test_removal_from_the_recipient_page_is_prefilled_and_one_submit(alice_client, demo_clinic):
    recipient = make_recipient(demo_clinic, first_name="Zoë", last_name="Quinn")
    page = alice_client.get(f"/recipients/{recipient.pk}/").content.decode()
    assert f'href="/help-desk/removal/{recipient.pk}/"' in page
    form = alice_client.get(f"/help-desk/removal/{recipient.pk}/").content.decode()
    assert "Zoë Quinn" in form and 'name="removal_reason"' in form
    assert "Fill in the intake form with the request below" not in form  # the old by-hand text

    response = alice_client.post(
        f"/help-desk/removal/{recipient.pk}/", {"removal_reason": "Left the practice in 2020."}
    )
    case = Case.objects.get()
    assert response.url == f"/help-desk/cases/{case.number}/"
    assert "Zo" not in response.url and "Quinn" not in response.url
    assert (case.kind, case.recipient, case.location) == ("removal", recipient, demo_clinic)
    assert case.removal_reason == "Left the practice in 2020."
    assert case.vfc_pin == "NCA650001"


def test_removal_from_the_recipient_page_needs_a_reason(alice_client, demo_clinic):
    recipient = make_recipient(demo_clinic)
    response = alice_client.post(f"/help-desk/removal/{recipient.pk}/", {"removal_reason": " "})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not Case.objects.exists()


def test_another_locations_recipient_is_404(bob_client, rita_client, demo_clinic):
    recipient = make_recipient(demo_clinic)
    url = f"/help-desk/removal/{recipient.pk}/"
    for client in (bob_client, rita_client):  # another manager; a requester who manages none
        assert client.get(url).status_code == 404
        assert client.post(url, {"removal_reason": "Because."}).status_code == 404
    assert not Case.objects.exists()


def test_the_removal_intake_form_says_whom_in_words(rita_client, demo_clinic):
    data = {
        "vfc_pin": "NCA650001",
        "organization_name": "Demo Health System",
        "location_name": "Demo Clinic",
        "contact_name": "Rita Ramos",
        "contact_email": "rita@clinic.example",
        "description": "John Smith, born 01/02/1990",
        "removal_reason": "Loaded twice by mistake.",
    }
    response = rita_client.post(REMOVAL, data)
    case = Case.objects.get()
    assert response.url == f"/help-desk/cases/{case.number}/"
    assert (case.kind, case.recipient, case.location) == ("removal", None, demo_clinic)
    assert case.description == "John Smith, born 01/02/1990"
    assert case.removal_reason == "Loaded twice by mistake."

    missing = rita_client.post(REMOVAL, {**data, "removal_reason": "", "description": ""})
    assert missing.status_code == 400
    assert set(missing.context["form"].errors) == {"removal_reason", "description"}
    assert Case.objects.count() == 1


def test_request_pages_need_sign_in_and_refuse_recipients(client, demo_clinic):
    for url in (REQUEST, REMOVAL, "/help-desk/vaccine-provider/"):
        assert client.get(url).url.startswith("/help-desk/login/?next=")
    account = make_user("zoe@example.com", username="zoe@example.com.covid19vaccine")
    recipient = make_recipient(demo_clinic, account=account)
    client.force_login(account)
    for url in (REQUEST, REMOVAL, f"/help-desk/removal/{recipient.pk}/"):
        assert client.get(url).status_code == 403
        assert client.post(url, {}).status_code == 403
    assert not Case.objects.exists()


def test_the_vaccine_provider_page_offers_the_two_requests(rita_client):
    home = rita_client.get("/help-desk/").content.decode()
    assert 'href="/help-desk/vaccine-provider/"' in home and "Vaccine Provider" in home
    page = rita_client.get("/help-desk/vaccine-provider/").content.decode()
    assert f'href="{REQUEST}">HCP ONBOARDING &amp; RECIPIENT BULK UPLOAD</a>' in page
    assert f'href="{REMOVAL}">Remove a recipient</a>' in page
