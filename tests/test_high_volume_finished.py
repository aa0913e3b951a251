"""A finished High Volume job says it is done (its heading and its help, not "Uploading…" and
"processing goes on"), says its outcome once, and every count a manager reads, on a page or
in an email, has thousands separators: "2,992 successful"."""

from bulkupload.emails import upload_summary_message
from bulkupload.models import Upload
from tests.helpers import make_finished_upload

TAB = "/bulk-registration/high-volume/"


def _job(location, user, **fields):
    fields.setdefault("created_count", 2992)
    if fields.get("status") not in (None, *Upload.FINISHED):
        fields["finished_at"] = None
    return make_finished_upload(location, user, file_name="hv-3000.csv", rows=3000, **fields)


def _panel(client) -> str:
    page = client.get(TAB).content.decode()
    return page[page.index('id="job-result"') : page.index('id="high-volume-title"')]


def test_a_finished_job_s_heading_and_help_say_it_is_done(alice_client, alice, demo_clinic):
    _job(demo_clinic, alice)
    panel = _panel(alice_client)
    assert '<h2 id="job-title">hv-3000.csv is processed</h2>' in panel
    assert "Processing is done." in panel
    assert "Uploading" not in panel and "processing goes on" not in panel


def test_a_running_job_s_heading_and_help_say_it_is_running(alice_client, alice, demo_clinic):
    _job(demo_clinic, alice, status="running", processed=1000, created_count=1000, failed_count=0)
    panel = _panel(alice_client)
    assert '<h2 id="job-title">Uploading hv-3000.csv</h2>' in panel
    assert "processing goes on" in panel and "Processing is done." not in panel


def test_a_stopped_job_says_it_could_not_be_processed(alice_client, alice, demo_clinic):
    _job(demo_clinic, alice, status=Upload.Status.FAILED, problem="Processing stopped.")
    panel = _panel(alice_client)
    assert '<h2 id="job-title">hv-3000.csv could not be processed</h2>' in panel
    assert "processing goes on" not in panel


def test_the_status_the_script_polls_brings_the_finished_heading_and_help(
    alice_client, alice, demo_clinic
):
    upload = _job(demo_clinic, alice)
    status = alice_client.get(f"{TAB}{upload.pk}/status/").json()
    assert status["heading"] == "hv-3000.csv is processed"
    assert status["help"].startswith("Processing is done.")


def test_the_banner_says_the_outcome_once(alice_client, alice, demo_clinic):
    upload = _job(demo_clinic, alice)
    banner = alice_client.get(f"{TAB}{upload.pk}/status/").json()["banner_html"]
    assert "not every recipient was created" in banner
    assert upload.outcome_summary not in banner  # "8 of 3,000 … could not be created."
    assert banner.count("successful") == 1


def test_the_panel_and_banner_counts_have_thousands_separators(alice_client, alice, demo_clinic):
    _job(demo_clinic, alice)
    panel = _panel(alice_client)
    assert '<span id="job-processed">3,000</span> of <span id="job-rows">3,000</span>' in panel
    assert '<span id="job-created">2,992</span> successful' in panel
    assert '<span id="banner-created">2,992</span> successful' in panel
    assert "2992" not in panel


def test_reports_and_the_upload_page_count_with_separators(alice_client, alice, demo_clinic):
    upload = _job(demo_clinic, alice)
    assert '<td class="num">2,992</td>' in alice_client.get("/reports/").content.decode()
    detail = alice_client.get(f"/reports/{upload.pk}/").content.decode()
    assert "<dt>Successful</dt><dd>2,992</dd>" in detail


def test_the_summary_email_counts_with_separators(alice, demo_clinic):
    body = upload_summary_message(_job(demo_clinic, alice)).body
    assert "Successful recipient uploads: 2,992" in body
    assert "2992" not in body
