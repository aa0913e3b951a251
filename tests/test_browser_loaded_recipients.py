import datetime as dt

import pytest

from tests.helpers import accessible, make_recipient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_searches_sorts_and_pages_loaded_recipients(
    page, screenshot, alice, password, demo_clinic
):
    long_email = "maximiliana.constantinopla-wolfeschlegelsteinhausen@averyverylongdomain.example"
    for n in range(30):
        make_recipient(
            demo_clinic,
            first_name=f"Tej{19820 + n}",
            last_name=f"Par{19820 + n}",
            date_of_birth=dt.date(2000, 3, 8),
            email=f"tejparey+fortej{19820 + n}@example.com" if n else long_email,
        )
    make_recipient(demo_clinic, first_name="José", last_name="Álvarez", email="jose@example.com")

    page.goto("/accounts/login/?next=/bulk-registration/")
    page.get_by_label("Email").fill("alice@demo.example")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()

    page.get_by_text("Total number of records: 31").wait_for()
    accessible(page)
    screenshot(page, "1-loaded")

    page.get_by_role("searchbox", name="Search this list").fill("jose")
    page.get_by_role("button", name="Search").click()
    page.get_by_text("Total number of records: 1").wait_for()
    assert page.locator("tbody tr").count() == 1
    assert "Álvarez" in page.locator("tbody").inner_text()
    screenshot(page, "2-searched")

    page.get_by_role("link", name="Clear").click()
    page.get_by_text("Total number of records: 31").wait_for()
    page.get_by_role("link", name="Last Name").click()  # sorted ascending already: reverses
    page.wait_for_url("**sort=-last_name**")
    first_row = page.locator("tbody tr").first.inner_text()
    assert "Par19849" in first_row
    assert page.get_by_role("columnheader", name="Last Name").get_attribute("aria-sort") == (
        "descending"
    )
    screenshot(page, "3-sorted")

    page.get_by_role("link", name="Next →").click()
    page.get_by_text("Page 2 of 2", exact=True).wait_for()
    assert "sort=-last_name" in page.url and "page=2" in page.url
    rows = page.locator("tbody tr")
    assert rows.count() == 6
    assert "Álvarez" in rows.last.inner_text()
    screenshot(page, "4-page-2")

    page.go_back()
    page.get_by_text("Page 1 of 2", exact=True).wait_for()

    # The Recipients tab and a recipient's page, on a phone too.
    page.get_by_role("link", name="Recipients", exact=True).click()
    page.get_by_text("Total number of records: 31").wait_for()
    accessible(page)
    page.get_by_role("link", name="Tej19820").click()
    page.get_by_text(long_email).wait_for()
    accessible(page)
    screenshot(page, "5-recipient")
