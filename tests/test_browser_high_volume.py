import uuid

import pytest
from celery.contrib.testing.worker import start_worker

from cvms.celery import app

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _file(rows: int) -> str:
    lines = ["FirstName,LastName,Date of birth,Email"]
    for n in range(rows):
        email = "bademail" if n % 250 == 0 else f"p{n}@example.com"
        lines.append(f"Pat{n},Lee,{n % 12 + 1}/{n % 28 + 1}/1980,{email}")
    return "\r\n".join(lines) + "\r\n"


def test_a_manager_uploads_a_large_file_and_watches_it_finish(
    page, screenshot, alice, password, tmp_path
):
    staff = tmp_path / "staff.csv"
    staff.write_text(_file(1000), encoding="utf-8")
    queue = f"test-{uuid.uuid4().hex}"
    app.conf.task_default_queue = queue
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue]):
            page.goto("/accounts/login/?next=/bulk-registration/high-volume/")
            page.get_by_label("Email").fill("alice@demo.example")
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Log in").click()
            page.get_by_role("heading", name="High Volume: more than 100 recipients").wait_for()
            screenshot(page, "1-high-volume")

            page.get_by_label("Select a file from your desktop").set_input_files(str(staff))
            page.get_by_role("button", name="UPLOAD FILE").click()
            page.get_by_role("heading", name="Uploading staff.csv").wait_for()
            screenshot(page, "2-progress")

            banner = page.locator("#job-banner")
            banner.wait_for(state="visible", timeout=60_000)
    finally:
        app.conf.task_default_queue = "celery"
    assert page.locator("#job-progress").get_attribute("value") == "100"
    assert page.locator("#job-processed").inner_text() == "1000"
    assert "996 successful, 4 failed recipient uploads" in banner.inner_text()
    assert page.get_by_role("link", name="Download the failed records").is_visible()
    screenshot(page, "3-done")

    page.get_by_role("link", name="DONE").click()
    assert page.locator("#job-panel").is_hidden()
    assert banner.is_visible()
