"""Fixing failed rows on the review page, without Excel."""

from bulkupload.models import Upload
from recipients.models import Recipient
from tests.test_low_volume import GUIDE_EXAMPLE, HEADER, _upload


def _review(client, upload):
    return client.get(f"/bulk-registration/review/{upload.pk}/").content.decode()


def test_failed_rows_are_editable_and_valid_rows_are_not(alice_client):
    _upload(alice_client, GUIDE_EXAMPLE)
    page = _review(alice_client, Upload.objects.get())
    assert 'name="line-3-last_name" value=""' in page
    assert 'name="line-9-date_of_birth" value="12/8/19555"' in page
    assert 'name="line-2-' not in page  # the valid row
    assert "Re-check corrected rows" in page


def test_corrections_are_checked_again_and_then_created(alice_client):
    _upload(alice_client, GUIDE_EXAMPLE)
    upload = Upload.objects.get()
    response = alice_client.post(
        f"/bulk-registration/review/{upload.pk}/recheck/",
        {
            "line-3-first_name": "Nicholas",
            "line-3-last_name": "TestLoadE2Recip2",
            "line-3-date_of_birth": "12/2/1955",
            "line-3-email": "Nicholas.NoEmail@companyemail2.com",
            "line-9-date_of_birth": "12/8/1955",
            "line-6-email": "still-bad",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "Your corrections were applied" in page
    assert '<strong id="ready-count">3</strong>' in page
    assert "Line 6: Email: invalid email address: still-bad" in page
    assert "Line 3:" not in page and "Line 9:" not in page

    alice_client.post(f"/bulk-registration/review/{upload.pk}/create/")
    assert sorted(Recipient.objects.values_list("last_name", flat=True)) == [
        "TestLoadE2Recip1",
        "TestLoadE2Recip2",
        "TestLoadE2Recip8",
    ]
    upload.refresh_from_db()
    error_file = bytes(upload.error_file).decode("utf-8-sig")
    assert "still-bad" in error_file  # the failed records as corrected


def test_line_numbers_stay_where_they_were(alice_client):
    text = HEADER + "Ann,Lee,1/2/1980,ann@example.com\r\n,,,\r\nBo,,3/4/1982,bo@example.com\r\n"
    _upload(alice_client, text)
    upload = Upload.objects.get()
    assert "Line 4: Required fields are missing: [LastName]" in _review(alice_client, upload)
    alice_client.post(
        f"/bulk-registration/review/{upload.pk}/recheck/", {"line-4-last_name": "Lee"}
    )
    page = _review(alice_client, upload)
    assert '<strong id="ready-count">2</strong>' in page


def test_formula_like_corrections_are_kept_as_text(alice_client):
    _upload(alice_client, HEADER + "=cmd,Lee,1/2/1980,ann@example.com\r\n")
    upload = Upload.objects.get()
    alice_client.post(
        f"/bulk-registration/review/{upload.pk}/recheck/", {"line-2-first_name": "=HYPERLINK()"}
    )
    page = _review(alice_client, upload)
    assert "FirstName: special characters are not accepted: =HYPERLINK()" in page


def test_emptying_every_row_keeps_the_file_as_it_was(alice_client):
    _upload(alice_client, HEADER + "Ann,,1/2/1980,ann@example.com\r\n")
    upload = Upload.objects.get()
    before = bytes(upload.content)
    response = alice_client.post(
        f"/bulk-registration/review/{upload.pk}/recheck/",
        {
            "line-2-first_name": "",
            "line-2-last_name": "",
            "line-2-date_of_birth": "",
            "line-2-email": "",
        },
        follow=True,
    )
    assert "The corrections were not applied" in response.content.decode()
    upload.refresh_from_db()
    assert bytes(upload.content) == before


def test_unknown_fields_and_lines_are_ignored(alice_client):
    _upload(alice_client, HEADER + "Ann,,1/2/1980,ann@example.com\r\n")
    upload = Upload.objects.get()
    alice_client.post(
        f"/bulk-registration/review/{upload.pk}/recheck/",
        {"line-1-first_name": "Hacked", "line-2-location": "x", "line-99-email": "a@b.co"},
    )
    page = _review(alice_client, upload)
    assert "Hacked" not in page
    assert "Line 2: Required fields are missing: [LastName]" in page


def test_another_manager_cannot_correct_the_file(alice_client, bob_client):
    _upload(alice_client, HEADER + "Ann,,1/2/1980,ann@example.com\r\n")
    upload = Upload.objects.get()
    response = bob_client.post(
        f"/bulk-registration/review/{upload.pk}/recheck/", {"line-2-last_name": "Lee"}
    )
    assert response.status_code == 404
    upload.refresh_from_db()
    assert b"Ann,,1/2/1980" in bytes(upload.content)
