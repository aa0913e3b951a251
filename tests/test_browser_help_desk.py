"""The help desk in a browser, as the guide walks it: a provider registers, changes the
temporary password, submits a Recipient Bulk Upload request with a file, follows the
confirmation email's link to the case; staff process the file; the provider sees the result.
Every page on the way is checked with axe, and at 390 px it must not scroll sideways."""

import re

import pytest
from django.core import mail

from helpdesk.models import Case
from outbox import sending
from recipients.models import Recipient
from tests.helpers import accessible, make_recipient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILE = (
    "FirstName,LastName,Date of birth,Email\r\n"
    "Ann,Lee,3/4/1980,ann.lee@example.com\r\n"
    "Bo,Kim,13/45/1980,bo.kim@example.com\r\n"
    "Cy,Ray,5/6/1970,cy.ray@example.com\r\n"
)


def last_email_to(address: str) -> mail.EmailMessage:
    sending.send_due_emails()  # the worker's job; here the test's own
    return [message for message in mail.outbox if message.to == [address]][-1]


def test_a_provider_files_a_bulk_upload_and_staff_process_it(
    page, screenshot, demo_clinic, alice, charlie, password, tmp_path, eager_tasks
):
    page.goto("/help-desk/")
    accessible(page)
    page.get_by_role("link", name="Register").first.click()
    page.get_by_label("First name").fill("Rita")
    page.get_by_label("Last name").fill("Moreno")
    page.get_by_label("Business e-mail").fill("rita@demo-clinic.example")
    page.get_by_label("Registration code").fill("NCA999999")
    page.get_by_role("button", name="Register").click()
    page.get_by_text("Invalid Registration Code").wait_for()
    accessible(page)
    page.get_by_label("Registration code").fill("NCA650001")
    page.get_by_role("button", name="Register").click()
    page.get_by_role("heading", name=re.compile("email", re.I)).wait_for()
    screenshot(page, "1-registered")

    email = last_email_to("rita@demo-clinic.example")
    username = re.search(r"Username: (\S+)", email.body).group(1)
    temporary = re.search(r"Temporary password: (\S+)", email.body).group(1)
    page.goto("/help-desk/login/")
    page.get_by_label("Email").fill(username)
    page.get_by_label("Password").fill(temporary)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Old password").fill(temporary)
    page.get_by_label("New password", exact=True).fill("rita-own-long-password")
    page.get_by_label("New password confirmation").fill("rita-own-long-password")
    accessible(page)
    page.get_by_role("button", name=re.compile("Change")).click()

    page.get_by_role("link", name="Vaccine Provider").click()
    page.get_by_role("link", name="HCP ONBOARDING & RECIPIENT BULK UPLOAD").click()
    page.get_by_label("Request type").select_option(label="Recipient Bulk Upload")
    page.get_by_label("VFC PIN").fill("NCA650001")
    page.get_by_label("Contact name").fill("Rita Moreno")
    page.get_by_label("Contact email").fill("rita@demo-clinic.example")
    staff_file = tmp_path / "staff.csv"
    staff_file.write_text(FILE, encoding="utf-8")
    page.get_by_label("RECIPIENT BULK UPLOAD FILE").set_input_files(str(staff_file))
    accessible(page)
    screenshot(page, "2-request")
    page.get_by_role("button", name="SUBMIT").click()
    page.get_by_text("Your case number is").wait_for()
    case = Case.objects.get()
    assert page.get_by_text(f"Your case number is {case.number}").is_visible()

    confirmation = last_email_to("rita@demo-clinic.example")
    assert confirmation.subject == f"Case {case.number} received"
    link = re.search(r"https://portal\.example(/help-desk/cases/\S+/)", confirmation.body).group(1)
    page.goto(link)
    page.get_by_role("heading", name=re.compile(case.number)).wait_for()
    accessible(page)
    screenshot(page, "3-case")

    # Staff, in their own browser, process the attached file from the case's admin page.
    staff = page.context.browser.new_page(base_url=page.url.split("/help-desk")[0])
    staff.goto("/admin/login/")
    staff.get_by_label("Username").fill(charlie.username)
    staff.get_by_label("Password").fill(password)
    staff.get_by_role("button", name="Log in").click()
    staff.goto(f"/admin/helpdesk/case/{case.pk}/change/")
    # Her PIN proves nothing: staff call the clinic, then record how they checked, so that
    # she may see the failed records ("Duplicated <email>" rows say who is loaded).
    staff.get_by_role("button", name="Verify requester for NCA650001").click()
    staff.get_by_label("How you checked").select_option(
        label="Called the location's phone number on file"
    )
    staff.get_by_role("button", name=re.compile("Yes")).click()
    staff.get_by_text("Verified for NCA650001 by").first.wait_for()
    staff.get_by_role("button", name="Process attached recipient file").click()
    staff.get_by_role("button", name=re.compile("Yes")).click()
    staff.get_by_text("Processing staff.csv for Demo Clinic").wait_for()
    screenshot(staff, "4-staff")
    staff.close()

    assert Recipient.objects.active().filter(location=demo_clinic).count() == 2
    result = last_email_to("rita@demo-clinic.example")
    assert "2 created, 1 failed" in result.body and result.attachments == []
    page.reload()
    assert page.locator("#job-summary").inner_text() == "2 created, 1 failed"
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("failed records", re.I)).click()
    assert download.value.suggested_filename == "staff-failed-records.csv"
    accessible(page)
    screenshot(page, "5-result")


def test_every_other_help_desk_page_passes_axe_and_fits_a_phone(page, demo_clinic, alice, password):
    recipient = make_recipient(demo_clinic)
    for path in ("/help-desk/login/", "/help-desk/register/done/"):
        page.goto(path)
        accessible(page)
    page.goto("/help-desk/login/")
    page.get_by_label("Email").fill(alice.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Vaccine Provider").wait_for()
    for path in (
        "/help-desk/vaccine-provider/",
        "/help-desk/vaccine-provider/removal/",
        f"/help-desk/removal/{recipient.pk}/",
        "/help-desk/cases/",
    ):
        page.goto(path)
        accessible(page)
    page.get_by_role("link", name="My cases").first.wait_for()
    page.goto(f"/help-desk/removal/{recipient.pk}/")
    page.get_by_role("button", name=re.compile("SUBMIT|Submit")).click()  # no reason given
    page.locator(".error-summary, [role=alert]").first.wait_for()
    accessible(page)
