"""A help-desk agent's morning in a browser: they sign in to the admin, land on the queue's
counts and oldest cases, read the first-day page, open the oldest case, assign it to
themselves and find it under "Assigned to me"; a removal case picks its recipient by name.
Each page passes axe and fits a phone."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from helpdesk.models import Case
from tests.helpers import (
    accessible,
    make_case,
    make_staff,
    make_user,
    screenshot_both_widths,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_lands_on_the_queue_takes_the_oldest_case_and_filters_mine(
    page, screenshot, demo_clinic, password
):
    pat = make_staff("pat@helpdesk.example", first_name="Pat", last_name="Lee")
    requester = make_user("rita@demo.example", first_name="Rita", last_name="Reyes")
    oldest = make_case(requester, demo_clinic, contact_name="Rita Reyes")
    newer = make_case(requester, demo_clinic, kind=Case.Kind.REMOVAL)
    Case.objects.filter(pk=oldest.pk).update(created_at=timezone.now() - dt.timedelta(days=3))

    page.goto("/admin/")
    page.get_by_label("Username").fill(pat.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("heading", name="The queue").wait_for()
    assert page.url.endswith("/admin/")
    assert page.get_by_role("link", name="2 new").is_visible()
    assert page.get_by_role("link", name="0 assigned to me").is_visible()
    rows = page.locator("table.queue-oldest tbody tr")
    assert rows.nth(0).get_by_role("link").inner_text() == oldest.number
    assert rows.nth(1).get_by_role("link").inner_text() == newer.number
    accessible(page)
    screenshot_both_widths(page, screenshot, "1-dashboard")

    page.get_by_role("link", name="First day at the help desk").first.click()
    page.get_by_role("heading", name="How to verify a requester").wait_for()
    accessible(page)
    screenshot_both_widths(page, screenshot, "2-first-day")

    page.goto("/admin/")
    page.get_by_role("link", name=oldest.number).click()
    page.get_by_role("button", name="Assign to me").wait_for()
    accessible(page)
    page.get_by_role("button", name="Assign to me").click()
    page.get_by_text(f"Case {oldest.number} is assigned to you.").wait_for()
    assert page.get_by_text("Assigned to Pat Lee").first.is_visible()
    assert page.get_by_role("button", name="Assign to me").count() == 0
    accessible(page)
    screenshot_both_widths(page, screenshot, "3-case")

    page.goto("/admin/")
    page.get_by_role("link", name="1 assigned to me").click()
    page.get_by_role("link", name=oldest.number).wait_for()
    assert page.get_by_role("link", name=newer.number).count() == 0
    assert re.search(r"assignee=me", page.url)
    screenshot_both_widths(page, screenshot, "4-mine")

    # A removal case's recipient is picked by name; the empty picker has a name too.
    page.goto("/admin/")
    page.get_by_role("link", name=newer.number).click()
    page.get_by_role("combobox", name="Recipient").wait_for()
    accessible(page)
