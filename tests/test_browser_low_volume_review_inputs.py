"""The Low Volume review's email inputs are wide enough to read the address being corrected,
on a desktop (1366 px) and on a phone (390 px)."""

import pytest

from bulkupload.models import Upload
from tests.helpers import accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The guide's error rows: the addresses a manager corrects.
ROWS = (
    "FirstName,LastName,Date of birth,Email\r\n"
    "Nicholas,TestLoadE2Recip4,,Nicholas.NoEmail@companyemail4.com\r\n"
    "Nicholas,TestLoadE2Recip7,12/7/1955,Nicholas.NoEmail@\r\n"
    "Nicholas,TestLoadE2Recip8,12/8/19555,Nicholas.NoEmail@companyemail8.com\r\n"
)


def _review(page, password) -> None:
    page.goto("/accounts/login/?next=/bulk-registration/")
    page.get_by_label("Email").fill("alice@demo.example")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    # Until the page has loaded its scripts, a chosen file is not uploaded.
    page.wait_for_url("**/bulk-registration/", wait_until="load")
    page.get_by_label("Choose a file from your computer").set_input_files(
        files=[{"name": "staff.csv", "mimeType": "text/csv", "buffer": ROWS.encode()}]
    )
    page.get_by_role("heading", name="Review your data: staff.csv").wait_for()
    assert Upload.objects.count() == 1


def _fits(page, line: int) -> bool:
    """Whether the whole address shows in the line's email input (nothing scrolled out)."""
    return page.get_by_label(f"Email, line {line}", exact=True).evaluate(
        "input => input.scrollWidth <= input.clientWidth"
    )


def test_the_address_being_corrected_is_read_whole_at_1366_and_390_px(
    page, screenshot, alice, password
):
    page.set_viewport_size({"width": 1366, "height": 900})
    _review(page, password)
    assert _fits(page, 2) and _fits(page, 4)
    screenshot(page, "review-1366")

    page.set_viewport_size({"width": 390, "height": 800})
    # The table scrolls sideways inside its region; the page itself does not.
    assert _fits(page, 2) and _fits(page, 4)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "review-390")
    page.set_viewport_size({"width": 1366, "height": 900})
    accessible(page)
