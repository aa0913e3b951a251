"""Low Volume: upload, review every row, CANCEL or CREATE RECORDS, then the alert."""

import io

import pytest
from django.core import mail

from bulkupload.models import Upload
from outbox.models import OutboundEmail
from recipients.models import Recipient
from tests.helpers import GUIDE_ERRORS, GUIDE_EXAMPLE, HEADER, upload_low_volume


@pytest.fixture
def reviewed(alice_client):
    response = upload_low_volume(alice_client, GUIDE_EXAMPLE)
    assert response.status_code == 302
    return Upload.objects.get()


def test_the_low_volume_tab_offers_the_drop_zone_and_the_template(alice_client):
    page = alice_client.get("/bulk-registration/").content.decode()
    assert "DRAG AND DROP CSV FILE HERE" in page
    assert 'enctype="multipart/form-data"' in page
    assert "csrfmiddlewaretoken" in page
    assert 'href="/bulk-registration/template.csv"' in page


def test_uploading_keeps_the_file_for_review_and_creates_nothing(alice_client, reviewed):
    assert reviewed.status == Upload.Status.PREVIEW
    assert reviewed.source == Upload.Source.LOW_VOLUME
    assert reviewed.file_name == "staff.csv"
    assert Recipient.objects.count() == 0


def test_the_review_shows_every_row_with_its_result_in_place(alice_client, reviewed):
    response = alice_client.get(f"/bulk-registration/review/{reviewed.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<strong id="ready-count">1</strong>' in page
    assert '<strong id="error-count">7</strong>' in page
    for message in GUIDE_ERRORS:
        assert message in page
    assert 'href="#line-3"' in page and 'id="line-3"' in page
    assert "CREATE RECORDS" in page and "CANCEL" in page


def test_create_records_creates_the_valid_rows_and_shows_the_alert(
    alice_client, reviewed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(f"/bulk-registration/review/{reviewed.pk}/create/")
    assert response.status_code == 302
    assert response.url == f"/bulk-registration/?result={reviewed.pk}"
    assert Recipient.objects.get().last_name == "TestLoadE2Recip1"

    page = alice_client.get(response.url).content.decode()
    assert '<strong id="successful-count">1</strong> successful recipient upload.' in page
    assert '<strong id="failed-count">7</strong> failed recipient uploads.' in page
    assert f'href="/reports/{reviewed.pk}/failed-records.csv"' in page
    assert "Total number of records: 1" in page


def test_the_manager_is_emailed_the_failed_records_with_the_engines_messages(
    alice_client, reviewed, django_capture_on_commit_callbacks, eager_tasks
):
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(f"/bulk-registration/review/{reviewed.pk}/create/")
    summary = next(m for m in mail.outbox if m.to == ["alice@demo.example"])
    name, content, _ = summary.attachments[0]
    assert name == "staff-failed-records.csv"
    lines = content.lstrip("\ufeff").splitlines()
    assert lines[0] == "FirstName,LastName,Date of birth,Email,Error"
    assert [line.rsplit(",", 1)[-1] for line in lines[1:]] == [
        m.rsplit(",", 1)[-1] for m in GUIDE_ERRORS
    ]
    welcome = [m for m in mail.outbox if m.to != ["alice@demo.example"]]
    assert [m.to for m in welcome] == [["Nicholas.NoEmail@companyemail1.com"]]


def test_a_file_without_failed_rows_emails_the_manager_nothing(
    alice_client, django_capture_on_commit_callbacks, eager_tasks
):
    # The guide: "You will receive an email with any failed uploads"; the alert said the rest.
    upload_low_volume(alice_client, HEADER + "Ann,Lee,1/2/1980,ann.lee@example.com\r\n")
    upload = Upload.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(f"/bulk-registration/review/{upload.pk}/create/")
    assert Upload.objects.get().status == Upload.Status.DONE
    assert [m.to for m in mail.outbox] == [["ann.lee@example.com"]]  # her welcome only
    assert not OutboundEmail.objects.filter(kind="upload_summary").exists()


def test_create_records_is_single_use(alice_client, reviewed):
    alice_client.post(f"/bulk-registration/review/{reviewed.pk}/create/")
    again = alice_client.post(f"/bulk-registration/review/{reviewed.pk}/create/")
    assert again.status_code == 302  # to the same result, nothing more created
    assert Recipient.objects.count() == 1
    assert OutboundEmail.objects.filter(kind="welcome").count() == 1
    assert OutboundEmail.objects.filter(kind="upload_summary").count() == 1
    assert alice_client.get(f"/bulk-registration/review/{reviewed.pk}/").status_code == 404


def test_cancel_removes_the_file(alice_client, reviewed):
    response = alice_client.post(f"/bulk-registration/review/{reviewed.pk}/cancel/", follow=True)
    assert b"The file was removed. No records were created." in response.content
    assert not Upload.objects.exists()
    assert Recipient.objects.count() == 0


def test_a_file_of_more_than_100_rows_points_to_high_volume(alice_client):
    rows = "".join(f"Ann{n},Lee,1/2/1980,a{n}@example.com\r\n" for n in range(101))
    response = upload_low_volume(alice_client, HEADER + rows)
    page = response.content.decode()
    assert response.status_code == 400
    assert "at most 100 can be uploaded at a time here" in page
    assert "Upload it on the High Volume tab" in page  # test_low_volume_to_high_volume
    assert not Upload.objects.submitted().exists()
    assert Recipient.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), "photo.csv", "not"),
        (b"", "empty.csv", "The file is empty"),
        (HEADER.encode(), "header-only.csv", "no recipients below it"),
        (b"Name,Phone\r\nAnn,555\r\n", "other.csv", "FirstName"),
    ],
)
def test_a_file_that_is_not_a_recipient_file_is_refused_whole(alice_client, content, name, message):
    data = io.BytesIO(content)
    data.name = name
    response = alice_client.post("/bulk-registration/upload/", {"file": data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Upload.objects.exists()


def test_it_refuses_a_file_over_the_size_limit_before_reading_it(alice_client, settings):
    settings.UPLOAD_MAX_BYTES = 100
    response = upload_low_volume(alice_client, GUIDE_EXAMPLE)
    assert response.status_code == 400
    assert "The file is larger than 100" in response.content.decode()
    assert not Upload.objects.exists()


def test_another_manager_cannot_review_create_or_cancel_the_file(bob_client, reviewed):
    assert bob_client.get(f"/bulk-registration/review/{reviewed.pk}/").status_code == 404
    assert bob_client.post(f"/bulk-registration/review/{reviewed.pk}/create/").status_code == 404
    assert bob_client.post(f"/bulk-registration/review/{reviewed.pk}/cancel/").status_code == 404
    assert Recipient.objects.count() == 0
    assert Upload.objects.get().status == Upload.Status.PREVIEW


def test_another_manager_cannot_see_the_alert_or_the_failed_records(alice_client, bob_client):
    upload_low_volume(alice_client, GUIDE_EXAMPLE)
    upload = Upload.objects.get()
    alice_client.post(f"/bulk-registration/review/{upload.pk}/create/")
    assert (
        b"successful-count" not in bob_client.get(f"/bulk-registration/?result={upload.pk}").content
    )
    assert bob_client.get(f"/reports/{upload.pk}/failed-records.csv").status_code == 404
    own = alice_client.get(f"/reports/{upload.pk}/failed-records.csv")
    assert own.status_code == 200
    assert own.content.startswith(b"\xef\xbb\xbfFirstName,LastName,Date of birth,Email,Error")


def test_a_review_expires(alice_client, reviewed):
    from django.utils import timezone

    from bulkupload.lowvolume import purge_expired_previews
    from bulkupload.models import PREVIEW_EXPIRES_AFTER

    Upload.objects.update(created_at=timezone.now() - PREVIEW_EXPIRES_AFTER * 2)
    assert alice_client.get(f"/bulk-registration/review/{reviewed.pk}/").status_code == 404
    assert alice_client.post(f"/bulk-registration/review/{reviewed.pk}/create/").status_code == 302
    assert Recipient.objects.count() == 0
    assert purge_expired_previews() == 1


def test_upload_and_create_require_post(alice_client, reviewed):
    assert alice_client.get("/bulk-registration/upload/").status_code == 405
    assert alice_client.get(f"/bulk-registration/review/{reviewed.pk}/create/").status_code == 405


def test_an_all_failed_file_offers_no_create_and_creates_nothing(alice_client):
    upload_low_volume(
        alice_client, HEADER + "Ann,,1/2/1980,ann@example.com\r\nBo,Lee,13/1/1980,x\r\n"
    )
    upload = Upload.objects.get()
    page = alice_client.get(f"/bulk-registration/review/{upload.pk}/").content.decode()
    assert '<strong id="ready-count">0</strong>' in page
    assert "CREATE RECORDS</button>" in page
    assert ' disabled aria-describedby="nothing-to-do">CREATE RECORDS' in page
    # Even a forged POST creates nobody, and reports both rows as failed.
    response = alice_client.post(f"/bulk-registration/review/{upload.pk}/create/", follow=True)
    assert '<strong id="successful-count">0</strong>' in response.content.decode()
    assert '<strong id="failed-count">2</strong>' in response.content.decode()
    assert Recipient.objects.count() == 0


def test_an_oversized_file_is_dropped_while_uploading_and_the_form_still_works(alice, settings):
    # With CSRF enforced as in a browser: the token, sent before the file, is still read.
    from django.test import Client

    settings.UPLOAD_MAX_BYTES = 1000
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    page = browser.get("/bulk-registration/")
    token = page.context["csrf_token"]
    big = io.BytesIO((HEADER + "Ann,Lee,1/2/1980,ann@example.com\r\n" * 200).encode())
    big.name = "big.csv"
    response = browser.post(
        "/bulk-registration/upload/", {"csrfmiddlewaretoken": str(token), "file": big}
    )
    assert response.status_code == 400
    assert "The file is larger than 1000" in response.content.decode()
    assert "Choose a file to upload." not in response.content.decode()
    assert not Upload.objects.exists()
