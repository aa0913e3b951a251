"""Warnings in the Low Volume review: shown beside errors, never blocking."""

import datetime as dt

import pytest

from bulkupload.engine.lookalikes import suggested_domain
from bulkupload.models import Upload
from recipients.models import Recipient
from tests.helpers import HEADER, make_recipient, upload_low_volume


@pytest.mark.parametrize(
    ("email", "suggestion"),
    [
        ("ann@gmial.com", "gmail.com"),
        ("ann@gmai.com", "gmail.com"),
        ("ann@yaho.com", "yahoo.com"),
        ("ann@hotmail.co", "hotmail.com"),
        ("ann@outlok.com", "outlook.com"),
        ("ann@GMAIL.COM", None),
        ("ann@gmail.com", None),
        ("ann@ncdhhs.gov", None),
        ("ann@companyemail3.com", None),
        ("ann@mail.com", None),  # a real provider, one letter from gmail.com
        ("ann@ymail.com", None),
    ],
)
def test_it_suggests_the_common_domain_a_typo_is_close_to(email, suggestion):
    assert suggested_domain(email) == suggestion


def _review(client):
    upload = Upload.objects.latest("id")
    return upload, client.get(f"/bulk-registration/review/{upload.pk}/").content.decode()


def test_a_domain_typo_is_a_warning_not_an_error(alice_client):
    upload_low_volume(alice_client, HEADER + "Ann,Lee,1/2/1980,ann.lee@gmial.com\r\n")
    upload, page = _review(alice_client)
    assert "Did you mean ann.lee@gmail.com?" in page
    assert '<strong id="ready-count">1</strong>' in page
    assert '<strong id="warning-count">1</strong>' in page
    alice_client.post(f"/bulk-registration/review/{upload.pk}/create/")
    assert Recipient.objects.get().email == "ann.lee@gmial.com"


def test_swapped_day_and_month_of_someone_in_the_system_is_a_warning(alice_client, other_clinic):
    make_recipient(
        other_clinic, first_name="Ann", last_name="Lee", date_of_birth=dt.date(1980, 4, 3)
    )
    upload_low_volume(alice_client, HEADER + "Ann,Lee,3/4/1980,ann@example.com\r\n")
    _, page = _review(alice_client)
    assert "day and month swapped (4/3/1980) is already in the system" in page
    # Nothing about the other location's person beyond what the provider typed.
    assert "Other Clinic" not in page.split('id="review-title"')[1]


def test_swapped_day_and_month_within_the_file_is_a_warning(alice_client):
    upload_low_volume(
        alice_client,
        HEADER + "Ann,Lee,3/4/1980,ann@example.com\r\nANN,lee,4/3/1980,ann2@example.com\r\n",
    )
    _, page = _review(alice_client)
    assert "day and month swapped (4/3/1980) is on line 3 of this file" in page
    assert "day and month swapped (3/4/1980) is on line 2 of this file" in page


def test_no_swap_warning_when_the_day_cannot_be_a_month(alice_client, demo_clinic):
    make_recipient(
        demo_clinic, first_name="Ann", last_name="Lee", date_of_birth=dt.date(1980, 4, 3)
    )
    upload_low_volume(alice_client, HEADER + "Ann,Lee,4/13/1980,ann@example.com\r\n")
    _, page = _review(alice_client)
    assert "swapped" not in page


def test_uploading_the_same_file_again_says_when_and_by_whom(alice_client):
    text = HEADER + "Ann,Lee,1/2/1980,ann@example.com\r\n"
    upload_low_volume(alice_client, text)
    first = Upload.objects.get()
    alice_client.post(f"/bulk-registration/review/{first.pk}/create/")
    upload_low_volume(alice_client, text)
    _, page = _review(alice_client)
    assert "This exact file was already uploaded to Demo Clinic" in page
    assert "by alice@demo.example" in page


def test_the_same_file_at_another_location_is_not_mentioned(alice_client, bob_client):
    text = HEADER + "Ann,Lee,1/2/1980,ann@example.com\r\n"
    upload_low_volume(bob_client, text)
    bobs = Upload.objects.get()
    bob_client.post(f"/bulk-registration/review/{bobs.pk}/create/")
    upload_low_volume(alice_client, text)
    _, page = _review(alice_client)
    assert "already uploaded" not in page
