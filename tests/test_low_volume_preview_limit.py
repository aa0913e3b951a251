"""A preview says "Duplicated" for a person registered anywhere (the guide's rule), so it tells a
manager whether someone is registered at another location. Previews that find people loaded
elsewhere are limited per manager (PREVIEW_ELSEWHERE_RATE) and recorded in the audit trail (who,
when, how many; never whom), and nothing says where the person is."""

import datetime as dt

import pytest

from audit.models import AuditEvent
from bulkupload.models import Upload
from tests.helpers import HEADER, make_manager, make_recipient, upload_low_volume

ELSEWHERE_ROWS = "Ann,Lee,1/2/1980,ann@example.com\r\nBo,Lee,1/3/1980,bo@example.com\r\n"


@pytest.fixture
def loaded_elsewhere(other_clinic):
    for first, born in (("Ann", dt.date(1980, 1, 2)), ("Bo", dt.date(1980, 1, 3))):
        make_recipient(other_clinic, first_name=first, last_name="Lee", date_of_birth=born)


@pytest.fixture
def two_an_hour(settings):
    settings.PREVIEW_ELSEWHERE_RATE = "2/h"


def _events(action):
    return list(
        AuditEvent.objects.filter(action=action)
        .order_by("id")
        .values_list("actor", "target", "detail")
    )


def test_a_preview_that_finds_people_elsewhere_is_recorded_with_how_many(
    alice_client, alice, loaded_elsewhere
):
    upload_low_volume(alice_client, HEADER + ELSEWHERE_ROWS + "Cy,Lee,1/4/1980,cy@example.com\r\n")
    upload = Upload.objects.get()
    assert _events("preview_found_elsewhere") == [
        (alice.pk, f"upload {upload.pk}", "2 rows matched people loaded at other locations")
    ]


def test_the_audit_entry_names_nobody(alice_client, loaded_elsewhere):
    upload_low_volume(alice_client, HEADER + ELSEWHERE_ROWS)
    (event,) = AuditEvent.objects.filter(action="preview_found_elsewhere")
    for detail in ("Ann", "Lee", "1980", "example.com", "Other Clinic", "NCA650002"):
        assert detail not in f"{event.target} {event.detail}"


def test_people_at_the_managers_own_location_are_not_counted(alice_client, demo_clinic):
    make_recipient(
        demo_clinic, first_name="Ann", last_name="Lee", date_of_birth=dt.date(1980, 1, 2)
    )
    upload_low_volume(alice_client, HEADER + "Ann,Lee,1/2/1980,ann@example.com\r\n")
    assert not AuditEvent.objects.filter(action="preview_found_elsewhere").exists()


def test_past_the_rate_a_preview_finding_people_elsewhere_is_refused_and_not_kept(
    alice_client, alice, loaded_elsewhere, two_an_hour
):
    for _ in range(2):
        assert upload_low_volume(alice_client, HEADER + ELSEWHERE_ROWS).status_code == 302
    response = upload_low_volume(alice_client, HEADER + ELSEWHERE_ROWS)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Too many of your recent files found people already loaded at other locations" in page
    assert "Try again in" in page and "minute" in page
    assert "The file was not kept." in page
    assert "Other Clinic" not in page and "NCA650002" not in page
    assert Upload.objects.count() == 2
    assert _events("preview_refused") == [
        (
            alice.pk,
            "location NCA650001",
            "2 rows matched people loaded at other locations; over PREVIEW_ELSEWHERE_RATE (2/h)",
        )
    ]


def test_files_that_find_nobody_elsewhere_are_never_limited(
    alice_client, loaded_elsewhere, two_an_hour
):
    for _ in range(2):
        upload_low_volume(alice_client, HEADER + ELSEWHERE_ROWS)
    response = upload_low_volume(alice_client, HEADER + "Cy,Lee,1/4/1980,cy@example.com\r\n")
    assert response.status_code == 302


def test_the_limit_is_per_manager(alice_client, client, demo_clinic, loaded_elsewhere, two_an_hour):
    for _ in range(3):
        upload_low_volume(alice_client, HEADER + ELSEWHERE_ROWS)
    carol = make_manager("carol@demo.example", demo_clinic)
    client.force_login(carol)
    assert upload_low_volume(client, HEADER + ELSEWHERE_ROWS).status_code == 302


def test_rechecks_that_find_people_elsewhere_count_too(
    alice_client, alice, loaded_elsewhere, settings
):
    settings.PREVIEW_ELSEWHERE_RATE = "1/h"
    upload_low_volume(
        alice_client,
        HEADER + "Cy,,1/4/1980,c@x.co\r\nDi,,1/5/1980,d@x.co\r\nEd,,1/6/1980,e@x.co\r\n",
    )
    upload = Upload.objects.get()
    recheck = f"/bulk-registration/review/{upload.pk}/recheck/"
    # A probe typed into the review: Ann Lee, 1/2/1980, loaded at Other Clinic.
    probe = {
        "line-2-first_name": "Ann",
        "line-2-last_name": "Lee",
        "line-2-date_of_birth": "1/2/1980",
    }
    alice_client.post(recheck, probe)
    upload.refresh_from_db()
    assert b"Ann,Lee,1/2/1980" in bytes(upload.content)
    assert _events("preview_found_elsewhere")[-1][1:] == (
        f"upload {upload.pk}",
        "1 row matched people loaded at other locations",
    )
    # A correction that finds nobody elsewhere is not counted.
    alice_client.post(recheck, {"line-3-last_name": "Lee"})
    assert len(_events("preview_found_elsewhere")) == 1
    response = alice_client.post(
        recheck,
        {"line-4-first_name": "Bo", "line-4-last_name": "Lee", "line-4-date_of_birth": "1/3/1980"},
        follow=True,
    )
    page = response.content.decode()
    assert "The corrections were not applied: Too many of your recent files" in page
    upload.refresh_from_db()
    assert b"Bo,Lee" not in bytes(upload.content)
    assert _events("preview_refused")[-1][:2] == (alice.pk, f"upload {upload.pk}")


def test_reloading_the_review_is_not_a_new_lookup(alice_client, loaded_elsewhere, two_an_hour):
    upload_low_volume(alice_client, HEADER + ELSEWHERE_ROWS)
    upload = Upload.objects.get()
    for _ in range(3):
        page = alice_client.get(f"/bulk-registration/review/{upload.pk}/")
        assert page.status_code == 200
    assert AuditEvent.objects.filter(action="preview_found_elsewhere").count() == 1


def test_a_swapped_date_found_elsewhere_counts_as_found_elsewhere(alice_client, other_clinic):
    make_recipient(
        other_clinic, first_name="Ann", last_name="Lee", date_of_birth=dt.date(1980, 4, 3)
    )
    upload_low_volume(alice_client, HEADER + "Ann,Lee,3/4/1980,ann@example.com\r\n")
    (event,) = AuditEvent.objects.filter(action="preview_found_elsewhere")
    assert event.detail == "1 row matched people loaded at other locations"
