"""The review explains a failed row in plain words beside the guide's message: a duplicate is
the same person loaded at this location, elsewhere (never where) or earlier in the file, and
is not an editable row; an invalid date of birth says why."""

import datetime as dt

from bulkupload.models import Upload
from tests.helpers import HEADER, make_recipient, upload_low_volume

SAME_PERSON = "The same first name, last name and date of birth are"


def _review(client) -> str:
    upload = Upload.objects.latest("id")
    return client.get(f"/bulk-registration/review/{upload.pk}/").content.decode()


def _row(page: str, line: int) -> str:
    start = page.index(f'<tr id="line-{line}"')
    return page[start : page.index("</tr>", start)]


def test_a_person_loaded_at_this_location_is_no_duplicate_error(alice_client, demo_clinic):
    make_recipient(
        demo_clinic,
        first_name="Ann",
        last_name="Lee",
        date_of_birth=dt.date(1980, 1, 2),
        email="ann@example.com",
    )
    upload_low_volume(alice_client, HEADER + "ANN,lee,1/2/1980,ann@example.com\r\n")
    row = _row(_review(alice_client), 2)
    assert "Duplicated" not in row
    assert "Already loaded (nothing to do)" in row


def test_a_person_loaded_elsewhere_is_explained_without_saying_where(
    alice_client, other_clinic, bob
):
    make_recipient(
        other_clinic,
        first_name="Ann",
        last_name="Lee",
        date_of_birth=dt.date(1980, 1, 2),
        email="ann.lee@other.example",
    )
    upload_low_volume(alice_client, HEADER + "Ann,Lee,1/2/1980,ann@example.com\r\n")
    page = _review(alice_client)
    row = _row(page, 2)
    assert "Line 2: Email: invalid email address: Duplicated ann@example.com" in row
    assert f"{SAME_PERSON} already loaded elsewhere in the system" in row
    review = page.split('id="review-title"')[1]
    for detail in ("Other Clinic", "NCA650002", "ann.lee@other.example", "bob@other.example"):
        assert detail not in review


def test_a_person_earlier_in_the_file_is_explained_with_its_line(alice_client):
    upload_low_volume(
        alice_client,
        HEADER + "Ann,Lee,1/2/1980,ann@example.com\r\nBo,Lee,1/3/1980,bo@example.com\r\n"
        "Ann,LEE,01/02/1980,ann2@example.com\r\n",
    )
    row = _row(_review(alice_client), 4)
    assert "Duplicated ann2@example.com" in row
    assert f"{SAME_PERSON} earlier in this file, on line 2." in row


def test_a_duplicate_row_is_not_editable(alice_client, demo_clinic):
    make_recipient(
        demo_clinic, first_name="Ann", last_name="Lee", date_of_birth=dt.date(1980, 1, 2)
    )
    upload_low_volume(
        alice_client,
        HEADER + "Ann,Lee,1/2/1980,ann@example.com\r\nBo,,1/3/1980,bo@example.com\r\n",
    )
    page = _review(alice_client)
    assert 'name="line-2-' not in page
    assert 'name="line-3-last_name"' in page  # the row that can be fixed


def test_a_forged_correction_of_a_duplicate_row_is_ignored(alice_client, demo_clinic):
    make_recipient(
        demo_clinic, first_name="Ann", last_name="Lee", date_of_birth=dt.date(1980, 1, 2)
    )
    upload_low_volume(alice_client, HEADER + "Ann,Lee,1/2/1980,ann@example.com\r\n")
    upload = Upload.objects.get()
    before = bytes(upload.content)
    alice_client.post(
        f"/bulk-registration/review/{upload.pk}/recheck/", {"line-2-first_name": "Annie"}
    )
    upload.refresh_from_db()
    assert bytes(upload.content) == before


def test_invalid_dates_keep_the_guides_message_and_say_why(alice_client):
    upload_low_volume(
        alice_client,
        HEADER
        + "Ann,Lee,02/30/1990,a@example.com\r\n"
        + "Bo,Lee,1990-01-02,b@example.com\r\n"
        + "Cy,Lee,1/2/2090,c@example.com\r\n"
        + "Di,Lee,1/2/1899,d@example.com\r\n",
    )
    page = _review(alice_client)
    expected = {
        2: ("02/30/1990", "There is no such day: February 1990 has 28 days."),
        3: ("1990-01-02", "It is not written MM/DD/YYYY"),
        4: ("1/2/2090", "It is in the future."),
        5: ("1/2/1899", "It is before 1900"),
    }
    for line, (value, reason) in expected.items():
        row = _row(page, line)
        assert f"Line {line}: Date of birth: invalid Date of birth: {value}" in row
        assert f"Date of birth: {reason}" in row


def test_a_missing_date_needs_no_reason(alice_client):
    upload_low_volume(alice_client, HEADER + "Ann,Lee,,a@example.com\r\n")
    row = _row(_review(alice_client), 2)
    assert "Required fields are missing: [Date of birth]" in row
    assert "result-why" not in row
