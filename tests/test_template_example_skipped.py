"""The template's example row (Jane Example) left in a file is skipped, and every result says
so: "Line 2 is the template's example and was skipped", instead of the row vanishing."""

import io
import json

from django.core.management import call_command

from bulkupload import jobs
from bulkupload.emails import upload_summary_message
from bulkupload.engine.template import EXAMPLE_ROW
from bulkupload.models import Upload
from tests.helpers import check_file, person, recipient_csv

NOTICE = "Line 2 is the template's example and was skipped."
HTML_NOTICE = "Line 2 is the template&#x27;s example and was skipped."
WITH_EXAMPLE = recipient_csv(EXAMPLE_ROW, person("Ann"), person("Bob", email="bad"))


def test_the_engine_reports_the_example_s_line_apart_from_rows_and_errors():
    result = check_file(WITH_EXAMPLE)
    assert result.examples == (2,)
    assert result.example_notice == NOTICE
    assert (result.rows, result.created, result.failed) == (2, 1, 1)


def test_several_examples_are_named_together():
    result = check_file(recipient_csv(EXAMPLE_ROW, person("Ann"), EXAMPLE_ROW))
    assert result.example_notice == "Lines 2 and 4 are the template's example and were skipped."


def test_a_file_without_the_example_has_no_notice():
    assert check_file(recipient_csv(person("Ann"))).example_notice == ""


def _low_volume(client) -> Upload:
    file = io.BytesIO(WITH_EXAMPLE)
    file.name = "staff.csv"
    assert client.post("/bulk-registration/upload/", {"file": file}).status_code == 302
    return Upload.objects.get()


def test_the_low_volume_review_and_its_alert_say_the_example_was_skipped(
    alice_client, django_capture_on_commit_callbacks
):
    upload = _low_volume(alice_client)
    review = alice_client.get(f"/bulk-registration/review/{upload.pk}/").content.decode()
    assert f'<p class="notice" id="example-notice">{HTML_NOTICE}</p>' in review
    with django_capture_on_commit_callbacks(execute=True):
        alert = alice_client.post(
            f"/bulk-registration/review/{upload.pk}/create/", follow=True
        ).content.decode()
    assert f'<p id="example-notice">{HTML_NOTICE}</p>' in alert


def _high_volume(alice, demo_clinic) -> Upload:
    upload = jobs.store_upload(
        WITH_EXAMPLE, file_name="staff.csv", location=demo_clinic, user=alice, source="high_volume"
    )
    jobs.run_job(upload.pk)
    upload.refresh_from_db()
    return upload


def test_the_high_volume_banner_the_upload_page_and_the_email_say_it(
    alice_client, alice, demo_clinic
):
    upload = _high_volume(alice, demo_clinic)
    assert upload.example_lines == [2]
    status = alice_client.get(f"/bulk-registration/high-volume/{upload.pk}/status/").json()
    assert f'<span id="banner-example">{HTML_NOTICE}</span>' in status["banner_html"]
    detail = alice_client.get(f"/reports/{upload.pk}/").content.decode()
    assert f'<span id="example-notice">({HTML_NOTICE})</span>' in detail
    assert NOTICE in upload_summary_message(upload).body


def test_the_command_line_s_json_lists_the_skipped_line(alice, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(WITH_EXAMPLE)
    out = io.StringIO()
    call_command(
        "import_recipients", str(path), "--location", "NCA650001", "--as", alice.email,
        "--json", stdout=out,
    )  # fmt: skip
    report = json.loads(out.getvalue())
    assert report["skipped"] == [{"line": 2, "message": NOTICE}]
    assert (report["rows"], report["created"], report["failed"]) == (2, 1, 1)
