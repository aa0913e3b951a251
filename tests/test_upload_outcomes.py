"""Honest outcomes: a result is shown in the style of what happened. Success only when every row
was created, a warning when some failed ("3 of 40 recipients could not be created"), an error
when none was; on the Low Volume alert, the High Volume banner and its status JSON, Reports,
the upload page and the summary email's subject alike."""

import pytest
from django.core import mail

from bulkupload import jobs
from bulkupload.models import Upload
from tests.helpers import make_upload, person, recipient_csv, upload_low_volume


def _people(good: int, bad: int) -> bytes:
    rows = [person(f"Ann{n}", email=f"a{n}@example.com") for n in range(good)]
    rows += [person(f"Bad{n}", email="bademail") for n in range(bad)]
    return recipient_csv(*rows)


@pytest.mark.parametrize(
    ("fields", "outcome", "summary"),
    [
        ({"rows": 40, "created_count": 40}, "success", "All 40 recipients were created."),
        ({"rows": 1, "created_count": 1}, "success", "The recipient was created."),
        (
            {"rows": 40, "created_count": 37, "failed_count": 3},
            "warning",
            "3 of 40 recipients could not be created.",
        ),
        (
            {"rows": 150, "failed_count": 150},
            "error",
            "None of the 150 recipients could be created.",
        ),
        ({"rows": 1, "failed_count": 1}, "error", "The recipient could not be created."),
        ({"status": "rejected"}, "error", "No recipients were created."),
        # Processing that stopped part-way: the rows never reached were not created either.
        (
            {"status": "failed", "rows": 40, "created_count": 10},
            "warning",
            "30 of 40 recipients could not be created.",
        ),
        ({"status": "failed", "rows": 40}, "error", "No recipients were created."),
        ({"status": "running", "rows": 40, "created_count": 10}, "", ""),
    ],
)
def test_the_outcome_follows_what_was_created(fields, outcome, summary):
    upload = Upload(**{"status": "done", **fields})
    assert (upload.outcome, upload.outcome_summary) == (outcome, summary)


# Low Volume -----------------------------------------------------------------------------------


def _create_low_volume(client, data: bytes) -> str:
    upload_low_volume(client, data.decode())
    upload = Upload.objects.get()
    response = client.post(f"/bulk-registration/review/{upload.pk}/create/", follow=True)
    return response.content.decode()


def test_low_volume_all_created_is_a_success(alice_client):
    page = _create_low_volume(alice_client, _people(3, 0))
    assert 'class="alert success"' in page
    assert "<h2>Records created</h2>" in page
    assert "All 3 recipients were created." in page


def test_low_volume_some_failed_is_a_warning_not_a_success(alice_client):
    page = _create_low_volume(alice_client, _people(1, 6))
    assert 'class="alert warning"' in page
    assert "Some records were not created" in page
    assert "6 of 7 recipients could not be created." in page
    assert "alert success" not in page and "Records created</h2>" not in page


def test_low_volume_none_created_is_an_error(alice_client):
    page = _create_low_volume(alice_client, _people(0, 2))
    assert 'class="alert error"' in page
    assert "No records were created" in page
    assert "None of the 2 recipients could be created." in page


# High Volume ----------------------------------------------------------------------------------


def _run_high_volume(alice, demo_clinic, data: bytes) -> Upload:
    upload = jobs.store_upload(
        data, file_name="staff.csv", location=demo_clinic, user=alice, source="high_volume"
    )
    jobs.run_job(upload.pk)
    return upload


def _status(client, upload):
    return client.get(f"/bulk-registration/high-volume/{upload.pk}/status/").json()


def test_high_volume_all_created_is_a_success_banner(alice_client, alice, demo_clinic):
    upload = _run_high_volume(alice, demo_clinic, _people(3, 0))
    status = _status(alice_client, upload)
    assert (status["outcome"], status["outcome_summary"]) == (
        "success",
        "All 3 recipients were created.",
    )
    assert 'class="banner success"' in status["banner_html"]
    assert "Your file staff.csv was uploaded.</strong>" in status["banner_html"]


def test_high_volume_some_failed_is_a_warning_banner(alice_client, alice, demo_clinic):
    upload = _run_high_volume(alice, demo_clinic, _people(2, 3))
    status = _status(alice_client, upload)
    assert status["outcome"] == "warning"
    assert 'class="banner warning"' in status["banner_html"]
    assert '<span id="banner-failed">3</span> failed recipient uploads.' in status["banner_html"]
    page = alice_client.get(f"/bulk-registration/high-volume/?upload={upload.pk}").content
    assert b'class="banner warning"' in page and b"banner success" not in page


def test_high_volume_all_failed_shows_no_success_banner(alice_client, alice, demo_clinic):
    upload = _run_high_volume(alice, demo_clinic, _people(0, 150))
    status = _status(alice_client, upload)
    assert status["outcome"] == "error"
    assert 'class="banner error"' in status["banner_html"]
    assert "no recipient was created" in status["banner_html"]
    assert '<span id="banner-failed">150</span> failed recipient uploads.' in status["banner_html"]
    assert "banner success" not in status["banner_html"]
    page = alice_client.get(f"/bulk-registration/high-volume/?upload={upload.pk}").content
    assert b"banner success" not in page


def test_a_job_in_progress_has_no_outcome_yet(alice_client, alice, demo_clinic):
    upload = make_upload(demo_clinic, alice, status="running", rows=10)
    status = _status(alice_client, upload)
    assert (status["outcome"], status["outcome_summary"]) == ("", "")
    assert 'data-outcome=""' in status["banner_html"]


# Email, Reports, upload page ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("good", "bad", "subject"),
    [
        (3, 0, "Recipient Bulk Upload: All 3 recipients were created (staff.csv)"),
        (2, 3, "Recipient Bulk Upload: 3 of 5 recipients could not be created (staff.csv)"),
        (0, 4, "Recipient Bulk Upload: None of the 4 recipients could be created (staff.csv)"),
    ],
)
def test_the_summary_emails_subject_says_what_happened(
    alice, demo_clinic, eager_tasks, django_capture_on_commit_callbacks, good, bad, subject
):
    with django_capture_on_commit_callbacks(execute=True):
        _run_high_volume(alice, demo_clinic, _people(good, bad))
    (summary,) = [m for m in mail.outbox if m.to == ["alice@demo.example"]]
    assert summary.subject == subject


def test_reports_and_the_upload_page_say_what_happened(alice_client, alice, demo_clinic):
    upload = _run_high_volume(alice, demo_clinic, _people(2, 3))
    reports = alice_client.get("/reports/").content.decode()
    assert '<span class="outcome warning">3 of 5 recipients could not be created.</span>' in reports
    detail = alice_client.get(f"/reports/{upload.pk}/").content.decode()
    assert 'class="outcome warning" id="upload-outcome"' in detail
    assert "3 of 5 recipients could not be created." in detail
