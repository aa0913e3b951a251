import pytest
from django.core import mail

from recipients.models import Recipient
from tests.helpers import accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A long email address must wrap, not widen the page on a phone.
ZOE = "zoe.obrien-longer-address+vaccination-registration@averyveryverylongdomain-example.org"
FILE = (
    "FirstName,LastName,Date of birth,Email\r\n"
    "José,Álvarez,3/8/1980,jose@example.com\r\n"
    f"Zoë,O'Brien,12/2/1955,{ZOE}\r\n"
    "Nicholas,TestLoadE2Recip8,12/8/19555,Nicholas.NoEmail@companyemail8.com\r\n"
)


def test_a_manager_drops_a_file_reviews_it_and_creates_records(
    page, screenshot, alice, password, eager_tasks
):
    page.goto("/accounts/login/?next=/bulk-registration/")
    page.get_by_label("Email").fill("alice@demo.example")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("DRAG AND DROP CSV FILE HERE").wait_for()
    screenshot(page, "1-low-volume")

    dropped = page.evaluate_handle(
        """(text) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([text], "staff.csv", {type: "text/csv"}));
            return transfer;
        }""",
        FILE,
    )
    page.dispatch_event("[data-drop-zone]", "drop", {"dataTransfer": dropped})

    page.get_by_role("heading", name="Review your data: staff.csv").wait_for()
    assert page.locator("#ready-count").inner_text() == "2"
    assert page.locator("#error-count").inner_text() == "1"
    summary = page.get_by_role("alert")
    assert "Line 4: Date of birth: invalid Date of birth: 12/8/19555" in summary.inner_text()
    assert summary.evaluate("element => element === document.activeElement")
    assert Recipient.objects.count() == 0
    accessible(page)
    screenshot(page, "2-review")

    page.get_by_label("Date of Birth, line 4").fill("12/8/1955")
    screenshot(page, "3-fixing")
    page.get_by_role("button", name="Re-check corrected rows").click()
    page.get_by_text("Your corrections were applied").wait_for()
    assert page.locator("#ready-count").inner_text() == "3"
    assert page.locator("#error-count").inner_text() == "0"
    screenshot(page, "4-rechecked")

    page.get_by_role("button", name="CREATE RECORDS").click()
    alert = page.locator("#result-alert")
    alert.wait_for()
    assert page.locator("#successful-count").inner_text() == "3"
    assert page.locator("#failed-count").inner_text() == "0"
    assert alert.evaluate("element => element === document.activeElement")  # the result
    accessible(page)
    screenshot(page, "5-alert")
    page.get_by_role("link", name="OK").click()
    page.get_by_text("Total number of records: 3").wait_for()
    assert page.locator("#result-alert").count() == 0

    addresses = sorted(message.to[0] for message in mail.outbox)
    # Nobody failed, so the manager gets no failed-records email; each recipient a welcome.
    assert addresses == [
        "Nicholas.NoEmail@companyemail8.com",
        "jose@example.com",
        ZOE,
    ]


WARNED_FILE = (
    "FirstName,LastName,Date of birth,Email\r\n"
    "Ann,Lee,1/2/1980,ann.lee@gmial.com\r\n"
    "Bo,,1/3/1980,bo@example.com\r\n"
    "Cy,Lee,2/30/1990,cy@example.com\r\n"
)


def test_a_manager_uses_a_suggestion_and_creating_checks_a_correction_first(
    page, screenshot, alice, password, eager_tasks
):
    page.goto("/accounts/login/?next=/bulk-registration/")
    page.get_by_label("Email").fill("alice@demo.example")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    # The page uploads a chosen file from its script: chosen before the script ran, it would
    # only sit in the input.
    page.wait_for_url("**/bulk-registration/")
    page.wait_for_load_state("load")
    page.get_by_label("Choose a file from your computer").set_input_files(
        {"name": "staff.csv", "mimeType": "text/csv", "buffer": WARNED_FILE.encode()}
    )
    page.get_by_role("heading", name="Review your data: staff.csv").wait_for()
    assert (
        "There is no such day: February 1990 has 28 days."
        in page.locator("#line-4-result").inner_text()
    )
    accessible(page)
    screenshot(page, "1-review")

    page.get_by_role("button", name="Use the suggestion ann.lee@gmail.com on line 2").click()
    page.get_by_text("The suggested address was used on line 2").wait_for()
    assert page.locator("#warning-count").inner_text() == "0"
    assert "ann.lee@gmail.com" in page.locator("#line-2").inner_text()

    # A correction typed, and CREATE RECORDS pressed without re-checking it first.
    page.get_by_label("Last Name, line 3").fill("Lee")
    page.get_by_role("button", name="CREATE RECORDS").click()
    page.get_by_text("Nothing was created yet").wait_for()
    assert page.locator("#ready-count").inner_text() == "2"
    assert Recipient.objects.count() == 0
    screenshot(page, "2-checked-before-creating")

    page.get_by_role("button", name="CREATE RECORDS").click()
    alert = page.locator("#result-alert")
    alert.wait_for()
    assert alert.get_attribute("data-outcome") == "warning"
    assert "1 of 3 recipients could not be created." in alert.inner_text()
    accessible(page)  # the Loaded Recipients table below scrolls in its own region at 390 px
    screenshot(page, "3-warning")
    assert sorted(Recipient.objects.values_list("email", flat=True)) == [
        "ann.lee@gmail.com",
        "bo@example.com",
    ]
