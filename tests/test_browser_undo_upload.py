"""Undo an upload within its window, in Chromium (issue 25, "Must show")."""

import pytest
from django.core import mail

from bulkupload.jobs import run_job, store_upload
from outbox.models import OutboundEmail
from recipients.models import Recipient
from tests.helpers import accessible, person, recipient_csv

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WRONG_FILE = recipient_csv(
    person("Ann", "Lee", "1/2/1980", "ann@example.com"),
    person("Bo", "Lee", "3/4/1982", "bo@example.com"),
)
RIGHT_FILE = recipient_csv(person("Cy", "Ng", "5/6/1984", "cy@example.com"))


def _both_widths(page, screenshot, name: str) -> None:
    screenshot(page, f"{name}-1366")
    page.set_viewport_size({"width": 390, "height": 800})
    screenshot(page, f"{name}-390")
    page.set_viewport_size({"width": 1366, "height": 900})


def _create(page, data: bytes) -> None:
    page.goto("/bulk-registration/")
    page.wait_for_load_state("load")  # the script uploads a chosen file
    page.get_by_label("Choose a file from your computer").set_input_files(
        {"name": "staff.csv", "mimeType": "text/csv", "buffer": data}
    )
    page.get_by_role("button", name="CREATE RECORDS").click()
    page.locator("#result-alert").wait_for()


def test_undo_within_the_window_and_no_undo_after_send_now(
    page, screenshot, alice, demo_clinic, password, settings, eager_tasks
):
    settings.UNDO_WINDOW_MINUTES = 10
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/accounts/login/?next=/bulk-registration/")
    page.get_by_label("Email").fill("alice@demo.example")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/bulk-registration/")

    _create(page, WRONG_FILE)
    assert "Undo this upload until then." in page.locator("#welcome-at").inner_text()
    assert page.locator("#record-count").inner_text() == "Total number of records: 2"
    accessible(page)
    _both_widths(page, screenshot, "1-window-open")

    page.get_by_role("button", name="Undo this upload").click()
    page.get_by_role("heading", name="Upload undone").wait_for()
    assert "2 recipients removed" in page.locator(".messages").inner_text()
    assert page.locator("#record-count").inner_text() == "Total number of records: 0"
    assert page.get_by_role("cell", name="ann@example.com").count() == 0
    assert "Undone by alice@demo.example" in page.locator("#undone").inner_text()
    accessible(page)
    _both_widths(page, screenshot, "2-undone")
    assert not Recipient.objects.active().exists()
    statuses = set(OutboundEmail.objects.filter(kind="welcome").values_list("status", flat=True))
    assert statuses == {"cancelled"}
    assert mail.outbox == []

    _create(page, RIGHT_FILE)
    page.get_by_role("button", name="Send now").click()
    page.get_by_text("The welcome emails are being sent now.").wait_for()
    assert page.get_by_role("button", name="Undo this upload").count() == 0
    assert "ask the help desk" in page.locator("#undo-gone").inner_text()
    assert page.locator("#record-count").inner_text() == "Total number of records: 1"
    accessible(page)
    _both_widths(page, screenshot, "3-sent-now")
    assert [message.to for message in mail.outbox] == [["cy@example.com"]]

    # The High Volume banner and the upload's page offer the same, for a job that just ended.
    job = store_upload(
        recipient_csv(person("Di", "Ng", "7/8/1986", "di@example.com")),
        file_name="hv.csv",
        location=demo_clinic,
        user=alice,
        source="high_volume",
    )
    run_job(job.pk)
    page.goto(f"/bulk-registration/high-volume/?upload={job.pk}")
    assert "Undo this upload until then." in page.locator("#job-banner").inner_text()
    accessible(page)
    _both_widths(page, screenshot, "4-high-volume-banner")
    page.goto(f"/reports/{job.pk}/")
    page.get_by_role("button", name="Undo this upload").click()
    page.locator("#undone").wait_for()
    accessible(page)
    _both_widths(page, screenshot, "5-upload-page-undone")
