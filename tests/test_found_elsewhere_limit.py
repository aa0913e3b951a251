"""Every door that reports people loaded at other locations ("Duplicated <email>" for a person
registered somewhere else) has one limit, PREVIEW_ELSEWHERE_RATE per person, and one audit (who,
when, how many; never whom): Low Volume and High Volume for the manager, the help desk for the
requester who reads their case's failed records. The command line is an operator's: no limit.

High Volume past the limit refuses the whole file before anything is processed, and says when
to try again: nothing created, nothing lost silently."""

import datetime as dt
import io
import json
import re

import pytest
from django.core.management import call_command
from django.test import Client

from audit.models import AuditEvent
from bulkupload.models import Upload
from helpdesk.actions import process_case_file
from helpdesk.cases import CaseRefused, check_recipient_file, open_case
from helpdesk.models import Case
from recipients.models import Recipient
from tests.helpers import make_manager, make_recipient, make_user

HEADER = "FirstName,LastName,Date of birth,Email\r\n"
# Ann and Bo Lee are loaded at Other Clinic; Cy is nobody's yet.
ELSEWHERE = "Ann,Lee,1/2/1980,ann@example.com\r\nBo,Lee,1/3/1980,bo@example.com\r\n"
NEW = "Cy,Lee,1/4/1980,cy@example.com\r\n"


@pytest.fixture
def loaded_elsewhere(other_clinic):
    for first, born in (("Ann", dt.date(1980, 1, 2)), ("Bo", dt.date(1980, 1, 3))):
        make_recipient(other_clinic, first_name=first, last_name="Lee", date_of_birth=born)


@pytest.fixture
def twice_an_hour(settings):
    settings.PREVIEW_ELSEWHERE_RATE = "2/h"


def _file(text: str, name: str = "staff.csv") -> io.BytesIO:
    data = io.BytesIO(text.encode())
    data.name = name
    return data


def _high_volume(client, text: str):
    return client.post("/bulk-registration/high-volume/upload/", {"file": _file(text)})


def _low_volume(client, text: str):
    return client.post("/bulk-registration/upload/", {"file": _file(text)})


def _events(action: str) -> list[tuple]:
    return list(
        AuditEvent.objects.filter(action=action)
        .order_by("id")
        .values_list("actor", "target", "detail")
    )


# High Volume ------------------------------------------------------------------------------------


def test_a_high_volume_file_that_finds_people_elsewhere_is_recorded_with_how_many(
    alice_client, alice, loaded_elsewhere
):
    assert _high_volume(alice_client, HEADER + ELSEWHERE + NEW).status_code == 302
    upload = Upload.objects.get()
    assert _events("preview_found_elsewhere") == [
        (alice.pk, f"upload {upload.pk}", "2 rows matched people loaded at other locations")
    ]
    for detail in ("Ann", "Lee", "1980", "example.com", "Other Clinic", "NCA650002"):
        assert detail not in str(_events("preview_found_elsewhere"))


def test_below_the_limit_the_guide_s_duplicate_message_stays(
    alice_client, loaded_elsewhere, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _high_volume(alice_client, HEADER + ELSEWHERE + NEW)
    upload = Upload.objects.get()
    assert (upload.status, upload.created_count, upload.failed_count) == ("done", 1, 2)
    assert b"Line 2: Email: invalid email address: Duplicated ann@example.com" in bytes(
        upload.error_file
    )


def test_uploading_the_same_people_again_and_again_on_high_volume_hits_the_limit(
    alice_client, alice, loaded_elsewhere, twice_an_hour, django_capture_on_commit_callbacks
):
    for _ in range(2):
        assert _high_volume(alice_client, HEADER + ELSEWHERE + NEW).status_code == 302
    with django_capture_on_commit_callbacks() as queued:
        response = _high_volume(alice_client, HEADER + ELSEWHERE + NEW)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Too many of your recent files found people already loaded at other locations" in page
    assert re.search(r"Try again in \d+ minutes?\.", page)
    assert "The file was not processed: nobody in it was created. Upload it again then." in page
    assert "Other Clinic" not in page and "Duplicated" not in page
    assert Upload.objects.count() == 2 and queued == []  # the third was neither kept nor run
    assert _events("preview_refused") == [
        (
            alice.pk,
            "location NCA650001",
            "2 rows matched people loaded at other locations; over PREVIEW_ELSEWHERE_RATE (2/h)",
        )
    ]


def test_files_that_find_nobody_elsewhere_are_never_limited(
    alice_client, loaded_elsewhere, twice_an_hour
):
    for _ in range(3):
        _high_volume(alice_client, HEADER + ELSEWHERE)
    assert _high_volume(alice_client, HEADER + NEW).status_code == 302
    assert not AuditEvent.objects.filter(action="preview_found_elsewhere", detail="0 rows").exists()


def test_people_at_the_manager_s_own_location_are_not_counted(
    alice_client, demo_clinic, twice_an_hour
):
    make_recipient(
        demo_clinic, first_name="Ann", last_name="Lee", date_of_birth=dt.date(1980, 1, 2)
    )
    for _ in range(4):
        assert _high_volume(alice_client, HEADER + "Ann,Lee,1/2/1980,a@x.co\r\n").status_code == 302
    assert not AuditEvent.objects.filter(action="preview_found_elsewhere").exists()


def test_low_and_high_volume_share_one_limit(alice_client, loaded_elsewhere, twice_an_hour):
    assert _low_volume(alice_client, HEADER + ELSEWHERE).status_code == 302
    assert _high_volume(alice_client, HEADER + ELSEWHERE).status_code == 302
    assert _high_volume(alice_client, HEADER + ELSEWHERE).status_code == 400
    assert _low_volume(alice_client, HEADER + ELSEWHERE).status_code == 400


def test_the_limit_is_per_manager(alice_client, demo_clinic, loaded_elsewhere, twice_an_hour):
    for _ in range(3):
        _high_volume(alice_client, HEADER + ELSEWHERE)
    carol = Client()
    carol.force_login(make_manager("carol@demo.example", demo_clinic))
    assert _high_volume(carol, HEADER + ELSEWHERE).status_code == 302


# The help desk ---------------------------------------------------------------------------------


def _case(requester, location) -> Case:
    data = (HEADER + ELSEWHERE + NEW).encode()
    case = Case(kind=Case.Kind.BULK_UPLOAD, requester=requester, location=location)
    return open_case(case, attachment=check_recipient_file(data, "probe.csv"))


def test_processing_a_case_file_counts_against_the_requester_and_is_recorded(
    demo_clinic, charlie, loaded_elsewhere, twice_an_hour
):
    rita = make_user("rita@clinic.example")
    cases = [_case(rita, demo_clinic) for _ in range(3)]
    for case in cases[:2]:
        assert process_case_file(case, by=charlie).ran
    assert [event[0] for event in _events("preview_found_elsewhere")] == [rita.pk, rita.pk]
    with pytest.raises(CaseRefused, match=r"process this file in \d+ minute"):
        process_case_file(cases[2], by=charlie)
    cases[2].refresh_from_db()
    assert cases[2].upload_id is None
    assert _events("preview_refused") == [
        (
            rita.pk,
            f"case {cases[2].number}",
            "2 rows matched people loaded at other locations; over PREVIEW_ELSEWHERE_RATE (2/h)",
        )
    ]


# The command line -------------------------------------------------------------------------------


def test_the_command_line_is_an_operator_s_and_not_limited(
    tmp_path, alice, demo_clinic, loaded_elsewhere, settings
):
    settings.PREVIEW_ELSEWHERE_RATE = "1/h"
    path = tmp_path / "probe.csv"
    path.write_text(HEADER + ELSEWHERE)
    for _ in range(3):
        out = io.StringIO()
        call_command(
            "import_recipients", str(path), "--location", "NCA650001", "--as", alice.username,
            "--json", stdout=out,
        )  # fmt: skip
        assert json.loads(out.getvalue())["failed"] == 2
    assert not AuditEvent.objects.filter(action="preview_refused").exists()
    assert Recipient.objects.filter(location=demo_clinic).count() == 0
