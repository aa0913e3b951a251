"""A recipient, signed out, follows the sign-in page's link to "Submit your question to the help
desk", sends a question (after fixing what the form said was wrong), and it appears in the
staff's case queue. axe and the 390 px check on the form, its errors and the thank-you page;
screenshots at 1280 and 390 px for a person to look at."""

import re

import pytest

from tests.helpers import accessible, screenshot_both_widths

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTION = "My vaccine record shows one dose, but I had two. How do I get it fixed?"


def test_a_signed_out_recipient_s_question_reaches_the_staff_queue(
    page, screenshot, charlie, password
):
    page.goto("/portal/login/")
    page.get_by_role("link", name="Cannot log in? Submit your question to the help desk").click()

    page.get_by_role("heading", name="Submit your question to the help desk").wait_for()
    accessible(page)
    screenshot_both_widths(page, screenshot, "1-form")
    page.get_by_label("Your name").fill("Pat Doe")
    page.get_by_label("Username or email").fill("not an address")
    page.get_by_role("button", name="Send question").click()  # no question, a bad address

    page.get_by_role("alert").wait_for()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert "Enter your username or an email address" in page.get_by_role("alert").inner_text()
    accessible(page)
    screenshot_both_widths(page, screenshot, "2-errors")
    page.get_by_label("Username or email").fill("pat@example.com")
    page.get_by_label("Your question").fill(QUESTION)
    page.get_by_role("button", name="Send question").click()

    page.get_by_role("heading", name="Thank you — we will answer by email").wait_for()
    accessible(page)
    screenshot_both_widths(page, screenshot, "3-sent")

    # Staff, in their own browser, find it in the queue and open it.
    staff = page.context.browser.new_page(base_url=page.url.split("/portal")[0])
    staff.goto("/admin/login/")
    staff.get_by_label("Username").fill(charlie.username)
    staff.get_by_label("Password").fill(password)
    staff.get_by_role("button", name="Log in").click()
    staff.goto("/admin/helpdesk/case/")
    row = staff.get_by_role("row").filter(has_text="Pat Doe <pat@example.com> (not signed in)")
    assert "Recipient question" in row.inner_text()
    row.get_by_role("link", name=re.compile(r"CS\d{7}")).click()
    staff.get_by_text(QUESTION).wait_for()
    screenshot(staff, "4-staff-case")
    staff.close()
