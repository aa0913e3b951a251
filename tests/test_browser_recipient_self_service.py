"""A manager fixes a recipient's welcome email in a browser: resends it, then corrects the
mistyped address (taking the typo warning's suggestion), and the recipient's new link works.
axe and the 390 px check on each state of the page; screenshots at 1280 and 390 px."""

import re

import pytest
from django.core import mail

from tests.helpers import accessible, make_recipient, make_user, screenshot_both_widths

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _link(message) -> str:
    return re.search(r"https://portal\.example(/portal/setup/\S+/)", message.body).group(1)


def test_a_manager_resends_the_welcome_email_and_corrects_the_address(
    page, screenshot, alice, password, demo_clinic, eager_tasks
):
    account = make_user("ana@yaho.com", password=None, username="ana@yaho.com.covid19vaccine")
    make_recipient(
        demo_clinic, first_name="Ana", last_name="Okafor", email="ana@yaho.com", account=account
    )

    page.goto("/accounts/login/?next=/recipients/")
    page.get_by_label("Email").fill("alice@demo.example")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Ana", exact=True).click()
    page.get_by_role("heading", name="Ana Okafor").wait_for()
    accessible(page)
    screenshot_both_widths(page, screenshot, "1-page")

    page.get_by_role("button", name="Resend the welcome email").click()
    page.get_by_text("A new welcome email is on its way to ana@yaho.com.").wait_for()
    assert [message.to for message in mail.outbox] == [["ana@yaho.com"]]
    resent_link = _link(mail.outbox[0])

    page.get_by_label("Corrected email address").fill("ana@yaho")
    page.get_by_role("button", name="Correct the email address").click()
    page.get_by_role("alert").filter(has_text="Email: invalid email address: ana@yaho.").wait_for()
    accessible(page)
    page.get_by_label("Corrected email address").fill("ana@yahooo.com")
    page.get_by_role("button", name="Correct the email address").click()
    page.get_by_text("Did you mean ana@yahoo.com?").wait_for()
    accessible(page)
    screenshot_both_widths(page, screenshot, "2-typo-warning")

    page.get_by_role("button", name="Use ana@yahoo.com").click()
    page.get_by_text("The email address is now ana@yahoo.com.").wait_for()
    page.get_by_text("The portal username is ana@yahoo.com.covid19vaccine.").wait_for()
    assert page.locator("dd", has_text="ana@yahoo.com.covid19vaccine").count() == 1
    accessible(page)
    screenshot_both_widths(page, screenshot, "3-corrected")

    assert [message.to for message in mail.outbox] == [["ana@yaho.com"], ["ana@yahoo.com"]]
    page.goto(resent_link)
    page.get_by_text("This link no longer works").wait_for()
    page.goto(_link(mail.outbox[1]))
    page.get_by_role("heading", name="Create your password").wait_for()
    page.get_by_text("ana@yahoo.com.covid19vaccine").first.wait_for()
