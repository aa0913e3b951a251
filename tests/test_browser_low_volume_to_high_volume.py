"""Must show (issue 25): a Low Volume file of 150 rows goes to High Volume with one click,
without choosing the file again."""

import pytest

from bulkupload.models import Upload
from recipients.models import Recipient
from tests.helpers import accessible, embedded_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _file(rows: int) -> str:
    lines = ["FirstName,LastName,Date of birth,Email"]
    lines += [f"Pat{n:03},Lee,{n % 12 + 1}/{n % 28 + 1}/1980,p{n}@example.com" for n in range(rows)]
    return "\r\n".join(lines) + "\r\n"


def _both_widths(page, screenshot, name: str) -> None:
    screenshot(page, f"{name}-1366")
    page.set_viewport_size({"width": 390, "height": 800})
    screenshot(page, f"{name}-390")
    page.set_viewport_size({"width": 1366, "height": 900})


def test_a_150_row_file_goes_from_low_to_high_volume_with_one_click(
    page, screenshot, alice, password, tmp_path, worker_queue
):
    staff = tmp_path / "staff-150.csv"
    staff.write_text(_file(150), encoding="utf-8")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/accounts/login/?next=/bulk-registration/")
    page.get_by_label("Email").fill("alice@demo.example")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    # Until the page has loaded its scripts, a chosen file is not uploaded.
    page.wait_for_url("**/bulk-registration/", wait_until="load")

    # Low Volume uploads a file as soon as it is chosen: the one and only file chooser.
    page.get_by_label("Choose a file from your computer").set_input_files(str(staff))
    offer = page.get_by_role("button", name="Upload it on the High Volume tab")
    offer.wait_for()
    assert (
        "at most 100 can be uploaded at a time here" in page.locator("#upload-error").inner_text()
    )
    assert page.locator("#upload-error").evaluate("e => e === document.activeElement")
    accessible(page)
    _both_widths(page, screenshot, "1-offer")

    with embedded_worker(worker_queue):
        upload = Upload.objects.get()
        upload.refresh_from_db()
        assert upload.status == "preview"
        offer.focus()
        page.keyboard.press("Enter")  # by keyboard, too
        page.wait_for_url(f"**/bulk-registration/high-volume/?upload={upload.pk}")
        page.locator("#job-banner").wait_for(state="visible", timeout=60_000)
    page.get_by_role("heading", name="staff-150.csv is processed").wait_for()
    assert "150 successful, 0 failed" in page.locator("#job-banner").inner_text()
    assert Recipient.objects.filter(upload=upload).count() == 150
    assert "staff" not in page.url.split("?")[0] and "Pat" not in page.url
    accessible(page)
    _both_widths(page, screenshot, "2-high-volume")
