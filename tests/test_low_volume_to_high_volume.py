"""A file too large for Low Volume goes to the High Volume tab with one click: the file is kept
on the server for the manager who uploaded it (never in a URL), and sent there as if uploaded
on that tab, without choosing it again."""

import io

import pytest
from django.test import Client
from django.utils import timezone

from bulkupload import jobs
from bulkupload.lowvolume import purge_expired_previews
from bulkupload.models import PREVIEW_EXPIRES_AFTER, Upload
from recipients.models import Recipient
from tests.helpers import make_manager

HEADER = "FirstName,LastName,Date of birth,Email\r\n"
LOW_VOLUME = "/bulk-registration/upload/"
HIGH_VOLUME = "/bulk-registration/high-volume/"


def _people(count: int) -> bytes:
    rows = "".join(f"Ann{n:04},Lee,1/2/1980,ann{n}@example.com\r\n" for n in range(count))
    return (HEADER + rows).encode()


def _upload(client, data: bytes, name: str = "staff-150.csv"):
    file = io.BytesIO(data)
    file.name = name
    return client.post(LOW_VOLUME, {"file": file})


def _start(client, upload, commits=None):
    if commits is None:
        return client.post(f"{HIGH_VOLUME}{upload.pk}/start/")
    with commits(execute=True):  # the job is sent once its transaction commits
        return client.post(f"{HIGH_VOLUME}{upload.pk}/start/")


@pytest.fixture
def kept(alice_client):
    response = _upload(alice_client, _people(150))
    assert response.status_code == 400
    return Upload.objects.get()


def test_a_file_of_150_rows_is_offered_to_high_volume_and_kept(alice_client, alice):
    data = _people(150)
    page = _upload(alice_client, data).content.decode()
    upload = Upload.objects.get()
    assert (upload.source, upload.status, upload.rows) == ("high_volume", "preview", 150)
    assert bytes(upload.content) == data and upload.uploaded_by == alice
    assert f'action="{HIGH_VOLUME}{upload.pk}/start/"' in page
    assert ">Upload it on the High Volume tab</button>" in page
    assert Recipient.objects.count() == 0  # nothing created, nothing checked yet


def test_one_click_sends_the_kept_file_to_high_volume(
    alice_client, kept, sent_tasks, django_capture_on_commit_callbacks
):
    response = _start(alice_client, kept, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response.url == f"{HIGH_VOLUME}?upload={kept.pk}"
    kept.refresh_from_db()
    assert (kept.source, kept.status) == ("high_volume", "queued")
    assert sent_tasks == [(jobs.PROCESS_TASK, (kept.pk,))]
    page = alice_client.get(response.url).content.decode()
    assert "Uploading staff-150.csv" in page


def test_the_sent_file_creates_its_recipients_as_a_high_volume_job(alice_client, kept, sent_tasks):
    _start(alice_client, kept)
    jobs.run_job(kept.pk)
    kept.refresh_from_db()
    assert (kept.status, kept.created_count, kept.failed_count) == ("done", 150, 0)
    assert Recipient.objects.filter(upload=kept).count() == 150


def test_a_second_click_sends_nothing_more(
    alice_client, kept, sent_tasks, django_capture_on_commit_callbacks
):
    _start(alice_client, kept, django_capture_on_commit_callbacks)
    again = _start(alice_client, kept, django_capture_on_commit_callbacks)
    assert again.status_code == 302 and again.url == f"{HIGH_VOLUME}?upload={kept.pk}"
    assert len(sent_tasks) == 1


def test_the_kept_file_is_only_its_uploaders(alice, demo_clinic, kept, bob_client, sent_tasks):
    carol = Client()
    carol.force_login(make_manager("carol@demo.example", demo_clinic))
    assert _start(carol, kept).status_code == 404  # the same location, not her file
    assert _start(bob_client, kept).status_code == 404  # another location
    assert Upload.objects.get().status == "preview" and sent_tasks == []


def test_the_offer_is_a_post(alice_client, kept):
    assert alice_client.get(f"{HIGH_VOLUME}{kept.pk}/start/").status_code == 405


def test_the_kept_file_is_not_a_low_volume_review_nor_a_job_yet(alice_client, kept):
    assert alice_client.get(f"/bulk-registration/review/{kept.pk}/").status_code == 404
    page = alice_client.get(f"{HIGH_VOLUME}?upload={kept.pk}").content.decode()
    assert 'id="job-panel"' not in page
    assert "staff-150.csv" not in alice_client.get("/reports/").content.decode()


def test_an_unsent_file_expires_like_an_unreviewed_one(alice_client, kept, sent_tasks):
    Upload.objects.update(created_at=timezone.now() - PREVIEW_EXPIRES_AFTER * 2)
    assert _start(alice_client, kept).status_code == 404
    assert purge_expired_previews() == 1
    assert not Upload.objects.exists() and sent_tasks == []


def test_a_file_too_large_for_high_volume_too_is_not_kept(alice_client, settings):
    settings.HIGH_VOLUME_MAX_ROWS = 120
    page = _upload(alice_client, _people(150)).content.decode()
    assert "Upload it on the High Volume tab" not in page
    assert 'href="/bulk-registration/high-volume/"' in page
    assert not Upload.objects.exists()
