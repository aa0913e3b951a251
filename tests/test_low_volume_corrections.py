"""Fixing failed rows on the review page, without Excel."""

from audit.models import AuditEvent
from bulkupload.models import Upload
from recipients.models import Recipient
from tests.helpers import GUIDE_EXAMPLE, HEADER, upload_low_volume


def _review(client, upload):
    return client.get(f"/bulk-registration/review/{upload.pk}/").content.decode()


def test_failed_rows_are_editable_and_valid_rows_are_not(alice_client):
    upload_low_volume(alice_client, GUIDE_EXAMPLE)
    page = _review(alice_client, Upload.objects.get())
    assert 'name="line-3-last_name" value=""' in page
    assert 'name="line-9-date_of_birth" value="12/8/19555"' in page
    assert 'name="line-2-' not in page  # the valid row
    assert "Re-check corrected rows" in page


def test_corrections_are_checked_again_and_then_created(alice_client):
    upload_low_volume(alice_client, GUIDE_EXAMPLE)
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
    upload_low_volume(alice_client, text)
    upload = Upload.objects.get()
    assert "Line 4: Required fields are missing: [LastName]" in _review(alice_client, upload)
    alice_client.post(
        f"/bulk-registration/review/{upload.pk}/recheck/", {"line-4-last_name": "Lee"}
    )
    page = _review(alice_client, upload)
    assert '<strong id="ready-count">2</strong>' in page


def test_formula_like_corrections_are_kept_as_text(alice_client):
    upload_low_volume(alice_client, HEADER + "=cmd,Lee,1/2/1980,ann@example.com\r\n")
    upload = Upload.objects.get()
    alice_client.post(
        f"/bulk-registration/review/{upload.pk}/recheck/", {"line-2-first_name": "=HYPERLINK()"}
    )
    page = _review(alice_client, upload)
    assert "FirstName: special characters are not accepted: =HYPERLINK()" in page


def test_emptying_every_row_keeps_the_file_as_it_was(alice_client):
    upload_low_volume(alice_client, HEADER + "Ann,,1/2/1980,ann@example.com\r\n")
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
    upload_low_volume(alice_client, HEADER + "Ann,,1/2/1980,ann@example.com\r\n")
    upload = Upload.objects.get()
    alice_client.post(
        f"/bulk-registration/review/{upload.pk}/recheck/",
        {"line-1-first_name": "Hacked", "line-2-location": "x", "line-99-email": "a@b.co"},
    )
    page = _review(alice_client, upload)
    assert "Hacked" not in page
    assert "Line 2: Required fields are missing: [LastName]" in page


def test_another_manager_cannot_correct_the_file(alice_client, bob_client):
    upload_low_volume(alice_client, HEADER + "Ann,,1/2/1980,ann@example.com\r\n")
    upload = Upload.objects.get()
    response = bob_client.post(
        f"/bulk-registration/review/{upload.pk}/recheck/", {"line-2-last_name": "Lee"}
    )
    assert response.status_code == 404
    upload.refresh_from_db()
    assert b"Ann,,1/2/1980" in bytes(upload.content)


# Warned rows ----------------------------------------------------------------------------------


def test_a_warned_row_is_editable_and_offers_the_suggestion(alice_client):
    upload_low_volume(alice_client, HEADER + "Ann,Lee,1/2/1980,ann.lee@gmial.com\r\n")
    page = _review(alice_client, Upload.objects.get())
    assert 'name="line-2-email" value="ann.lee@gmial.com"' in page
    assert "?use-suggestion=2" in page and "Use the suggestion" in page
    assert "Re-check corrected rows" in page


def test_a_warned_row_can_be_corrected_and_rechecked(alice_client):
    upload_low_volume(alice_client, HEADER + "Ann,Lee,1/2/1980,ann.lee@gmial.com\r\n")
    upload = Upload.objects.get()
    response = alice_client.post(
        f"/bulk-registration/review/{upload.pk}/recheck/",
        {"line-2-email": "ann@example.com"},
        follow=True,
    )
    page = response.content.decode()
    assert "Your corrections were applied" in page
    assert '<strong id="warning-count">0</strong>' in page
    assert "ann@example.com" in page and "gmial" not in page


def test_use_the_suggestion_puts_in_the_suggested_address(alice_client):
    upload_low_volume(
        alice_client,
        HEADER + "Ann,Lee,1/2/1980,ann.lee@gmial.com\r\nBo,,1/3/1980,bo@example.com\r\n",
    )
    upload = Upload.objects.get()
    response = alice_client.post(
        f"/bulk-registration/review/{upload.pk}/recheck/?use-suggestion=2",
        # The other row's correction, typed on the same page, is kept too.
        {"line-2-email": "ann.lee@gmial.com", "line-3-last_name": "Lee"},
        follow=True,
    )
    page = response.content.decode()
    assert "The suggested address was used on line 2" in page
    assert '<strong id="ready-count">2</strong>' in page
    assert '<strong id="warning-count">0</strong>' in page
    alice_client.post(f"/bulk-registration/review/{upload.pk}/create/")
    assert sorted(Recipient.objects.values_list("email", flat=True)) == [
        "ann.lee@gmail.com",
        "bo@example.com",
    ]


def test_the_suggestion_comes_from_the_file_not_the_browser(alice_client):
    upload_low_volume(alice_client, HEADER + "Ann,Lee,1/2/1980,ann@example.com\r\n")
    upload = Upload.objects.get()
    before = bytes(upload.content)
    alice_client.post(
        f"/bulk-registration/review/{upload.pk}/recheck/?use-suggestion=2",
        {"line-2-email": "attacker@example.com"},  # a row with no warning is not editable
    )
    upload.refresh_from_db()
    assert bytes(upload.content) == before


# CREATE RECORDS with corrections not re-checked -----------------------------------------------


def test_create_with_a_correction_that_changes_a_rows_fate_shows_the_review_again(
    alice_client,
):
    upload_low_volume(
        alice_client, HEADER + "Ann,Lee,1/2/1980,ann@example.com\r\nBo,,1/3/1980,b@x.co\r\n"
    )
    upload = Upload.objects.get()
    response = alice_client.post(
        f"/bulk-registration/review/{upload.pk}/create/",
        {"line-3-last_name": "Lee", "line-3-email": "bo@example.com"},
        follow=True,
    )
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == f"/bulk-registration/review/{upload.pk}/"
    assert "Nothing was created yet" in page
    assert "they change which rows will be created (1 row)" in page
    assert '<strong id="ready-count">2</strong>' in page
    assert Recipient.objects.count() == 0
    upload.refresh_from_db()
    assert upload.status == Upload.Status.PREVIEW

    alice_client.post(f"/bulk-registration/review/{upload.pk}/create/")
    assert Recipient.objects.count() == 2


def test_create_with_a_correction_that_keeps_every_fate_creates_with_it(alice_client):
    upload_low_volume(
        alice_client, HEADER + "Ann,Lee,1/2/1980,ann.lee@gmial.com\r\nBo,,1/3/1980,b@x.co\r\n"
    )
    upload = Upload.objects.get()
    response = alice_client.post(
        f"/bulk-registration/review/{upload.pk}/create/",
        {"line-2-email": "ann.lee@gmail.com", "line-3-email": "still-bad"},
    )
    assert response.url == f"/bulk-registration/?result={upload.pk}"
    assert Recipient.objects.get().email == "ann.lee@gmail.com"
    upload.refresh_from_db()
    assert "still-bad" in bytes(upload.error_file).decode("utf-8-sig")


def test_create_without_corrections_creates_at_once(alice_client):
    upload_low_volume(
        alice_client, HEADER + "Ann,Lee,1/2/1980,ann@example.com\r\nBo,,1/3/1980,b@x.co\r\n"
    )
    upload = Upload.objects.get()
    response = alice_client.post(
        f"/bulk-registration/review/{upload.pk}/create/",
        {"line-3-first_name": "Bo", "line-3-last_name": "", "line-3-email": "b@x.co"},
    )
    assert response.url == f"/bulk-registration/?result={upload.pk}"
    assert Recipient.objects.count() == 1
    # The failed row's inputs came back as they were: nothing was typed, nothing re-checked.
    assert not AuditEvent.objects.filter(action="rows_corrected").exists()


def test_create_ignores_corrections_of_rows_that_are_not_editable(alice_client):
    upload_low_volume(alice_client, HEADER + "Ann,Lee,1/2/1980,ann@example.com\r\n")
    upload = Upload.objects.get()
    alice_client.post(
        f"/bulk-registration/review/{upload.pk}/create/", {"line-2-email": "other@example.com"}
    )
    assert Recipient.objects.get().email == "ann@example.com"


def test_a_second_click_on_create_with_corrections_creates_nothing_more(alice_client):
    upload_low_volume(alice_client, HEADER + "Ann,Lee,1/2/1980,ann.lee@gmial.com\r\n")
    upload = Upload.objects.get()
    url = f"/bulk-registration/review/{upload.pk}/create/"
    alice_client.post(url, {"line-2-email": "ann.lee@gmail.com"})
    again = alice_client.post(url, {"line-2-email": "someone@example.com"})
    assert again.url == f"/bulk-registration/?result={upload.pk}"
    assert Recipient.objects.get().email == "ann.lee@gmail.com"


def test_create_with_corrections_that_empty_the_file_creates_nothing(alice_client):
    upload_low_volume(alice_client, HEADER + "Ann,,1/2/1980,ann@example.com\r\n")
    upload = Upload.objects.get()
    response = alice_client.post(
        f"/bulk-registration/review/{upload.pk}/create/",
        {"line-2-first_name": "", "line-2-date_of_birth": "", "line-2-email": ""},
        follow=True,
    )
    assert "Nothing was created. The corrections were not applied" in response.content.decode()
    assert Recipient.objects.count() == 0
