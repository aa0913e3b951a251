"""The error pages in a browser: the portal's look (its stylesheet applied), no accessibility
violations, readable on a phone."""

import pytest

from tests.helpers import accessible, screenshot_both_widths

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAVY = "rgb(18, 54, 95)"  # the header's background in static/css/portal.css


def _in_the_portals_look(page) -> None:
    header = page.locator(".site-header")
    assert header.evaluate("element => getComputedStyle(element).backgroundColor") == NAVY


@pytest.mark.urls("tests.crash_urls")
def test_the_error_pages_are_the_portals_and_accessible(page, screenshot):
    response = page.goto("/crash/")
    assert response.status == 500
    page.get_by_role("heading", name="Something went wrong").wait_for()
    _in_the_portals_look(page)
    accessible(page)
    screenshot_both_widths(page, screenshot, "500")

    response = page.goto("/no-such-page/")
    assert response.status == 404
    page.get_by_role("heading", name="Page not found").wait_for()
    _in_the_portals_look(page)
    accessible(page)
    screenshot_both_widths(page, screenshot, "404")

    page.goto("/static/errors/413.html")  # what the proxy serves for a body over its limit
    page.get_by_role("heading", name="The file is too large").wait_for()
    _in_the_portals_look(page)
    accessible(page)
    screenshot_both_widths(page, screenshot, "413")
