import pytest
from playwright.sync_api import expect

from bulkupload.models import Upload
from tests.helpers import accessible, embedded_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_EMAIL = "maximiliana.constantinopla-wolfeschlegelsteinhausen@averyveryverylongdomain.example"


def _file(rows: int) -> str:
    lines = ["FirstName,LastName,Date of birth,Email"]
    for n in range(rows):
        email = "bademail" if n % 250 == 0 else f"p{n}@example.com"
        if n == 1:
            email = LONG_EMAIL
        lines.append(f"Pat{n},Lee,{n % 12 + 1}/{n % 28 + 1}/1980,{email}")
    return "\r\n".join(lines) + "\r\n"


def _sign_in(page, password):
    page.goto("/accounts/login/?next=/bulk-registration/high-volume/")
    page.get_by_label("Email").fill("alice@demo.example")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="High Volume: more than 100 recipients").wait_for()


def _drop(page, text: str, name: str = "staff.csv") -> None:
    dropped = page.evaluate_handle(
        """([text, name]) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([text], name, {type: "text/csv"}));
            return transfer;
        }""",
        [text, name],
    )
    page.dispatch_event("[data-drop-zone]", "drop", {"dataTransfer": dropped})


def test_a_manager_uploads_a_large_file_and_watches_it_finish(
    page, screenshot, alice, password, tmp_path, worker_queue
):
    staff = tmp_path / "staff.csv"
    staff.write_text(_file(1000), encoding="utf-8")
    _sign_in(page, password)
    screenshot(page, "1-high-volume")

    page.get_by_label("Select a file from your desktop").set_input_files(str(staff))
    page.get_by_role("button", name="UPLOAD FILE").click()
    # The worker starts only once the page shows the job: a worker already running could
    # finish 1,000 rows before the page is drawn, and the page would open on "is processed".
    page.get_by_role("heading", name="Uploading staff.csv").wait_for()
    screenshot(page, "2-progress")

    banner = page.locator("#job-banner")
    with embedded_worker(worker_queue):
        banner.wait_for(state="visible", timeout=60_000)
    assert page.locator("#job-progress").get_attribute("value") == "100"
    assert page.locator("#job-processed").inner_text() == "1,000"
    # The script turns the panel's heading and help to done, without a reload.
    assert page.get_by_role("heading", name="staff.csv is processed").is_visible()
    assert "Processing is done." in page.locator("#job-help").inner_text()
    assert "996 successful, 4 failed recipient uploads" in banner.inner_text()
    assert page.get_by_role("link", name="Download the failed records of staff.csv").is_visible()
    screenshot(page, "3-done")

    page.get_by_role("button", name="DONE").click()
    page.wait_for_url("**?upload=*")
    assert page.locator("#job-panel").count() == 0
    assert banner.is_visible()


def test_a_manager_drops_a_file_leaves_comes_back_and_clicks_done(
    page, screenshot, alice, password, worker_queue
):
    _sign_in(page, password)
    _drop(page, _file(300))
    page.get_by_role("heading", name="Uploading staff.csv").wait_for()
    upload = Upload.objects.get()
    assert upload.source == "high_volume"

    # Away and back while no worker has taken it: the tab shows the job, live.
    page.get_by_role("link", name="Recipients", exact=True).click()
    page.get_by_role("link", name="Bulk Registration").click()
    page.get_by_role("link", name="High Volume").click()
    page.get_by_role("heading", name="Uploading staff.csv").wait_for()
    assert "upload=" not in page.url
    announcer = page.locator("#job-announcer")
    # expect() waits without evaluating a string in the page (the CSP forbids eval).
    expect(announcer).to_have_text("staff.csv is waiting to be processed.")
    assert page.locator("#job-done-form").is_hidden()  # DONE once the upload is complete
    assert page.get_by_text("Total number of records: 0").is_visible()
    page.evaluate("window.stayedOnThePage = true")
    accessible(page)
    screenshot(page, "1-queued")

    with embedded_worker(worker_queue):
        page.locator("#job-banner").wait_for(state="visible", timeout=60_000)
    # The Loaded Recipients table below was fetched again, without reloading the page; the
    # live region said how it ended in the banner's own words.
    page.get_by_text("Total number of records: 298").wait_for()
    assert page.evaluate("window.stayedOnThePage") is True
    banner_text = " ".join(page.locator("#job-banner").inner_text().split())
    assert announcer.inner_text() == banner_text
    accessible(page)  # a long email among the recipients does not widen the page
    screenshot(page, "2-finished")

    # Coming back after it finished: its banner and failed records, until DONE.
    page.goto("/recipients/")
    page.goto("/bulk-registration/high-volume/")
    assert page.locator("#job-banner").is_visible()
    assert page.get_by_role("link", name="Download the failed records of staff.csv").is_visible()
    page.get_by_role("button", name="DONE").click()
    page.wait_for_url("**?upload=*")
    assert page.evaluate("document.activeElement.id") == "job-result"
    assert page.locator("#job-banner").is_visible()
    screenshot(page, "3-done")
    page.goto("/bulk-registration/high-volume/")
    assert page.locator("#job-banner").count() == 0

    # Reports -> the upload, by its file name: its failed records and its recipients.
    page.get_by_role("link", name="Reports").click()
    page.get_by_role("heading", name="Reports").wait_for()
    accessible(page)
    page.get_by_role("link", name="staff.csv", exact=True).click()
    page.get_by_role("heading", name="Recipients this upload created").wait_for()
    assert page.get_by_text("298 recipients loaded.").is_visible()
    assert page.get_by_role("link", name="Download the failed records of staff.csv").is_visible()
    accessible(page)
    screenshot(page, "4-upload")
    page.get_by_role("link", name="Next →").click()
    page.get_by_text("Page 2 of 12", exact=True).wait_for()
