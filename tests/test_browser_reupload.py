"""A manager re-uploads their whole sheet after fixing it (issue 25, "Must show"), in Chromium."""

import pytest
from django.core import mail

from recipients.models import Recipient
from tests.helpers import accessible, drop_file, sign_in_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = "FirstName,LastName,Date of birth,Email\r\n"
PEOPLE = [f"Person{n},Lee,1/{n}/1980,person{n}@example.com\r\n" for n in range(1, 9)]
FIRST = (
    HEADER
    + "".join(PEOPLE)
    + (
        "Mary,Jones,2/3/1975,mary@example.com\r\n"
        "Nicholas,TestLoadE2Recip8,12/8/19555,nicholas@example.com\r\n"  # fails: the date
    )
)
# The same sheet again: Mary's address corrected, Nicholas's date of birth fixed.
AGAIN = (
    HEADER
    + "".join(PEOPLE)
    + (
        "Mary,Jones,2/3/1975,mary.jones@example.org\r\n"
        "Nicholas,TestLoadE2Recip8,12/8/1955,nicholas@example.com\r\n"
    )
)


def _drop(page, text: str, name: str) -> None:
    drop_file(page, text, name)
    page.get_by_role("heading", name=f"Review your data: {name}").wait_for()


def _screens(page, screenshot, name: str) -> None:
    """The page at a laptop's 1366 px and a phone's 390 px, for a person to look at."""
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"{name}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_reupload_reconciles_and_an_accepted_change_welcomes_the_new_address_only(
    page, screenshot, alice, password, eager_tasks
):
    sign_in_in_browser(page, "alice@demo.example", password, "/bulk-registration/")
    page.get_by_text("DRAG AND DROP CSV FILE HERE").wait_for()
    _drop(page, FIRST, "staff.csv")
    page.get_by_role("button", name="CREATE RECORDS").click()
    page.locator("#result-alert").wait_for()
    assert page.locator("#successful-count").inner_text() == "9"
    assert page.locator("#failed-count").inner_text() == "1"
    assert "mary@example.com" in [message.to[0] for message in mail.outbox]
    mail.outbox.clear()

    page.get_by_role("link", name="OK").click()
    _drop(page, AGAIN, "staff-fixed.csv")
    assert page.locator("#ready-count").inner_text() == "1"
    assert page.locator("#error-count").inner_text() == "0"
    assert page.locator("#already-loaded-count").inner_text() == "8"
    assert page.locator("#review-count").inner_text() == "1"
    assert (
        "Email: mary@example.com → mary.jones@example.org" in page.locator("#line-10").inner_text()
    )
    tick = page.get_by_label("Change the email on line 10")
    assert not tick.is_checked()
    assert page.get_by_text("Duplicated").count() == 0
    accessible(page)
    _screens(page, screenshot, "1-review")

    tick.check()
    page.get_by_role("button", name="CREATE RECORDS").click()
    alert = page.locator("#result-alert")
    alert.wait_for()
    assert page.locator("#successful-count").inner_text() == "1"
    assert page.locator("#failed-count").inner_text() == "0"
    assert page.locator("#already-loaded-count").inner_text() == "8"
    assert page.locator("#changes-count").inner_text() == "1"
    assert "1 accepted" in alert.inner_text()
    assert page.get_by_role("link", name="download the failed records").count() == 0
    accessible(page)
    _screens(page, screenshot, "2-alert")

    # The new row's welcome email, and Mary's at her new address only.
    assert sorted(message.to[0] for message in mail.outbox) == [
        "mary.jones@example.org",
        "nicholas@example.com",
    ]
    assert Recipient.objects.get(first_name="Mary").email == "mary.jones@example.org"

    page.goto("/reports/")
    accessible(page)
    _screens(page, screenshot, "3-reports")
    page.get_by_role("link", name="staff-fixed.csv").click()
    page.get_by_role("heading", name="Review changes").wait_for()
    assert "Email changed to mary.jones@example.org" in page.locator("#change-10").inner_text()
    assert page.get_by_role("link", name="Download the failed records").count() == 0
    accessible(page)
    _screens(page, screenshot, "4-upload-page")
