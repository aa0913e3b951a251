import openpyxl
import pytest

from tests.helpers import accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_downloads_the_template_from_either_tab(page, screenshot, alice, password):
    page.goto("/accounts/login/?next=/bulk-registration/")
    page.get_by_label("Email").fill("alice@demo.example")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("DRAG AND DROP CSV FILE HERE").wait_for()
    accessible(page)
    screenshot(page, "1-low-volume")

    with page.expect_download() as download:
        page.get_by_role("link", name="Recipient Bulk Upload Template (Excel file, .xlsx)").click()
    assert download.value.suggested_filename == "recipient-bulk-upload-template.xlsx"
    with open(download.value.path(), "rb") as opened:
        workbook = openpyxl.load_workbook(opened)
    assert workbook.sheetnames == ["Recipients", "Instructions"]

    page.get_by_role("link", name="High Volume").click()
    page.get_by_role("heading", name="High Volume: more than 100 recipients").wait_for()
    accessible(page)
    page.set_viewport_size({"width": 390, "height": 800})
    screenshot(page, "2-high-volume-phone")
    with page.expect_download() as download:
        page.get_by_role("link", name="Recipient Bulk Upload Template (CSV file, .csv)").click()
    assert download.value.suggested_filename == "recipient-bulk-upload-template.csv"
