"""Reports and an upload's page: each upload by its file name, its failed records, and the
recipients it created."""

import datetime as dt

from django.utils import timezone

from bulkupload.models import Upload
from tests.helpers import make_recipient, make_upload


def _done(location, user, **fields):
    fields.setdefault("status", Upload.Status.DONE)
    fields.setdefault("created_count", 30)
    fields.setdefault("failed_count", 2)
    fields.setdefault("error_file", b"FirstName,LastName,Date of birth,Email,Error\r\n")
    return make_upload(location, user, finished_at=timezone.now(), **fields)


def _created_by(upload, count: int) -> list:
    return [
        make_recipient(
            upload.location,
            upload=upload,
            first_name=f"Pat{n:02}",
            last_name=f"Lee{n:02}",
            email=f"pat{n}@example.com",
            date_of_birth=dt.date(1980, 1, 1) + dt.timedelta(days=n),
        )
        for n in range(count)
    ]


def test_reports_link_each_upload_by_its_file_name(alice_client, alice, demo_clinic):
    upload = _done(demo_clinic, alice, file_name="march-staff.csv")
    page = alice_client.get("/reports/").content.decode()
    assert f'<a href="/reports/{upload.pk}/">march-staff.csv</a>' in page


def test_reports_name_the_file_of_each_download(alice_client, alice, demo_clinic):
    upload = _done(demo_clinic, alice, file_name="march-staff.csv")
    page = alice_client.get("/reports/").content.decode()
    assert (
        f'<a href="/reports/{upload.pk}/failed-records.csv">Download'
        '<span class="visually-hidden"> failed records of march-staff.csv</span></a>'
    ) in page


def test_the_upload_page_offers_its_failed_records(alice_client, alice, demo_clinic):
    upload = _done(demo_clinic, alice, file_name="march-staff.csv")
    page = alice_client.get(f"/reports/{upload.pk}/").content.decode()
    assert f'href="/reports/{upload.pk}/failed-records.csv"' in page
    assert "of march-staff.csv</span>" in page


def test_the_upload_page_offers_no_download_when_none_failed(alice_client, alice, demo_clinic):
    upload = _done(demo_clinic, alice, failed_count=0, error_file=None)
    page = alice_client.get(f"/reports/{upload.pk}/").content.decode()
    assert "failed-records.csv" not in page


def test_the_upload_page_lists_the_recipients_it_created_25_a_page(
    alice_client, alice, demo_clinic, django_assert_max_num_queries
):
    upload = _done(demo_clinic, alice)
    _created_by(upload, 30)
    make_recipient(demo_clinic, first_name="Someone", last_name="Else", email="else@example.com")

    with django_assert_max_num_queries(12):
        first = alice_client.get(f"/reports/{upload.pk}/").content.decode()
    assert "30 recipients loaded." in first
    assert "Pat00" in first and "Pat24" in first and "Pat25" not in first
    assert "Someone" not in first  # not from this upload
    assert "Page 1 of 2" in first

    second = alice_client.get(f"/reports/{upload.pk}/?page=2").content.decode()
    assert "Pat25" in second and "Pat29" in second and "Pat00" not in second


def test_removed_recipients_are_counted_not_listed(alice_client, alice, demo_clinic):
    upload = _done(demo_clinic, alice)
    kept, removed = _created_by(upload, 2)
    removed.removed_at = timezone.now()
    removed.save()
    page = alice_client.get(f"/reports/{upload.pk}/").content.decode()
    assert kept.first_name in page and removed.first_name not in page
    assert "1 recipient loaded; 1 more removed by the help desk since, not listed." in page


def test_another_location_cannot_open_the_upload_page(bob_client, alice, demo_clinic):
    upload = _done(demo_clinic, alice, file_name="march-staff.csv")
    _created_by(upload, 1)
    response = bob_client.get(f"/reports/{upload.pk}/")
    assert response.status_code == 404
    assert b"Pat00" not in response.content
