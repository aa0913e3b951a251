"""Undo an upload before its welcome emails go out (issue 25): a manager's upload holds its
welcome emails UNDO_WINDOW_MINUTES; its uploader may undo it (its recipients removed as the help
desk removes one, its emails cancelled) or send them now; after that, the help desk.

The suite's default window is 0 (tests/conftest.py); these tests open it."""

import datetime as dt
import io
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.test import Client

from audit.models import AuditEvent
from bulkupload.jobs import run_job, store_upload
from bulkupload.models import Upload
from outbox.models import OutboundEmail
from outbox.sending import send_due_emails
from recipients.counts import active_recipients
from recipients.models import Recipient
from tests.helpers import make_manager, person, recipient_csv

EASTERN = zoneinfo.ZoneInfo("America/New_York")
# 2:05 PM EST: with the default window, the welcome emails go out at 2:15 PM EST.
UPLOADED = dt.datetime(2026, 12, 5, 14, 5, tzinfo=EASTERN)
PEOPLE = [
    person("Ann", "Lee", "1/2/1980", "ann@example.com"),
    person("Bo", "Lee", "3/4/1982", "bo@example.com"),
    person("Cy", "Lee", "5/6/1984", "cy@example.com"),
]
SENTENCE = "Welcome emails go out at 2:15 PM EST — Undo this upload until then."


@pytest.fixture(autouse=True)
def _window(settings):
    settings.UNDO_WINDOW_MINUTES = 10


@pytest.fixture
def clock():
    with time_machine.travel(UPLOADED, tick=False) as traveller:
        yield traveller


def _file(data: bytes, name: str = "staff.csv") -> io.BytesIO:
    file = io.BytesIO(data)
    file.name = name
    return file


def _low_volume(client: Client, rows=PEOPLE) -> Upload:
    """Upload and CREATE RECORDS on the Low Volume tab; the upload."""
    response = client.post("/bulk-registration/upload/", {"file": _file(recipient_csv(*rows))})
    assert response.status_code == 302
    upload = Upload.objects.get(status=Upload.Status.PREVIEW)
    response = client.post(f"/bulk-registration/review/{upload.pk}/create/")
    assert response.status_code == 302
    upload.refresh_from_db()
    return upload


def _high_volume(location, user, source: str = "high_volume") -> Upload:
    """A High Volume job (or another door's) of PEOPLE, run to its end."""
    upload = store_upload(
        recipient_csv(*PEOPLE), file_name="hv.csv", location=location, user=user, source=source
    )
    run_job(upload.pk)
    upload.refresh_from_db()
    return upload


@pytest.fixture
def uploaded(alice_client, clock) -> Upload:
    return _low_volume(alice_client)


def _welcome_emails(upload: Upload):
    return OutboundEmail.objects.filter(kind="welcome", user__recipient__upload=upload)


def _undo(client: Client, upload: Upload, back: str = ""):
    return client.post(f"/reports/{upload.pk}/undo/", {"back": back})


def _send_now(client: Client, upload: Upload, back: str = ""):
    return client.post(f"/reports/{upload.pk}/send-now/", {"back": back})


# Holding the emails


def test_a_low_volume_upload_holds_its_welcome_emails_until_the_window_closes(uploaded):
    assert uploaded.welcome_at == UPLOADED + dt.timedelta(minutes=10)
    assert send_due_emails() == 0
    assert mail.outbox == []
    assert {email.next_attempt_at for email in _welcome_emails(uploaded)} == {uploaded.welcome_at}


def test_the_sender_sends_them_once_the_window_closes_without_a_click(uploaded, clock):
    clock.move_to(UPLOADED + dt.timedelta(minutes=10, seconds=1))
    assert send_due_emails() == 3
    assert sorted(message.to[0] for message in mail.outbox) == [
        "ann@example.com",
        "bo@example.com",
        "cy@example.com",
    ]


def test_a_high_volume_job_holds_its_welcome_emails_too(demo_clinic, alice, clock):
    upload = _high_volume(demo_clinic, alice)
    assert upload.welcome_at == UPLOADED + dt.timedelta(minutes=10)
    send_due_emails()  # the manager's summary goes; the welcome emails wait
    assert set(_welcome_emails(upload).values_list("status", flat=True)) == {"queued"}
    assert [message.to for message in mail.outbox] == [["alice@demo.example"]]


@pytest.mark.parametrize("source", ["command_line", "help_desk"])
def test_the_command_line_and_the_help_desk_send_at_once(demo_clinic, alice, clock, source):
    upload = _high_volume(demo_clinic, alice, source)
    assert upload.welcome_at is None
    assert send_due_emails() == 3


def test_a_window_of_zero_sends_at_once_and_offers_no_undo(alice_client, settings, clock):
    settings.UNDO_WINDOW_MINUTES = 0
    upload = _low_volume(alice_client)
    assert upload.welcome_at is None
    assert send_due_emails() == 3
    page = alice_client.get(f"/bulk-registration/?result={upload.pk}").content.decode()
    assert "Undo" not in page
    assert _undo(alice_client, upload).status_code == 302
    assert Recipient.objects.active().count() == 3


# What the result says


def test_the_low_volume_alert_says_when_the_emails_go_with_undo_and_send_now(
    alice_client, uploaded
):
    page = alice_client.get(f"/bulk-registration/?result={uploaded.pk}").content.decode()
    assert SENTENCE in page
    assert f'action="/reports/{uploaded.pk}/undo/"' in page
    assert f'action="/reports/{uploaded.pk}/send-now/"' in page


def test_the_high_volume_banner_says_it_too(alice_client, demo_clinic, alice, clock):
    upload = _high_volume(demo_clinic, alice)
    page = alice_client.get(f"/bulk-registration/high-volume/?upload={upload.pk}").content.decode()
    assert SENTENCE in page
    assert 'id="undo-upload"' in page
    status = alice_client.get(f"/bulk-registration/high-volume/{upload.pk}/status/").json()
    assert SENTENCE in status["banner_html"]
    assert "csrfmiddlewaretoken" in status["banner_html"]


def test_the_upload_page_says_it_and_another_manager_sees_who_can_undo(
    alice_client, uploaded, demo_clinic
):
    page = alice_client.get(f"/reports/{uploaded.pk}/").content.decode()
    assert SENTENCE in page
    assert 'id="undo-upload"' in page
    carol = Client()
    carol.force_login(make_manager("carol@demo.example", demo_clinic))
    page = carol.get(f"/reports/{uploaded.pk}/").content.decode()
    assert SENTENCE in page
    assert "Only alice@demo.example, who uploaded it, can undo it." in page
    assert 'id="undo-upload"' not in page


# Undo


def test_undo_removes_the_uploads_recipients_as_the_help_desk_does(
    alice_client, alice, uploaded, demo_clinic
):
    response = _undo(alice_client, uploaded, back="low_volume")
    assert response.status_code == 302
    assert response.url == f"/bulk-registration/?result={uploaded.pk}"
    recipients = Recipient.objects.filter(upload=uploaded)
    assert recipients.count() == 3
    assert not recipients.active().exists()
    assert {(r.removed_by, r.removal_reason) for r in recipients} == {
        (alice, "undone by the uploader")
    }
    assert not any(r.account.is_active for r in recipients)
    removals = AuditEvent.objects.filter(action="recipient_removed", actor=alice)
    assert sorted(removals.values_list("target", flat=True)) == sorted(
        f"recipient {r.pk}" for r in recipients
    )
    assert active_recipients(demo_clinic) == 0


def test_undo_cancels_the_welcome_emails_and_none_is_ever_sent(alice_client, uploaded, clock):
    _undo(alice_client, uploaded)
    assert set(_welcome_emails(uploaded).values_list("status", flat=True)) == {"cancelled"}
    clock.move_to(UPLOADED + dt.timedelta(hours=1))
    send_due_emails()
    assert [message for message in mail.outbox if "Welcome" in message.subject] == []


def test_undone_recipients_leave_loaded_recipients_and_its_count(alice_client, uploaded):
    before = alice_client.get("/bulk-registration/").content.decode()
    assert "Total number of records: 3" in before
    _undo(alice_client, uploaded)
    after = alice_client.get("/bulk-registration/").content.decode()
    assert "Total number of records: 0" in after
    assert "ann@example.com" not in after


def test_the_upload_shows_who_undid_it_and_when(alice_client, uploaded, clock):
    clock.move_to(UPLOADED + dt.timedelta(minutes=3))
    response = _undo(alice_client, uploaded)
    assert response.url == f"/reports/{uploaded.pk}/"
    page = alice_client.get(response.url).content.decode()
    assert "Undone by alice@demo.example at Dec 5, 2026 2:08 PM EST" in page
    assert "Undo this upload until then" not in page
    uploaded.refresh_from_db()
    assert uploaded.undone_at == UPLOADED + dt.timedelta(minutes=3)
    reports = alice_client.get("/reports/").content.decode()
    assert "Undone Dec 5, 2:08 PM EST" in reports


def test_a_second_undo_changes_nothing(alice_client, uploaded):
    _undo(alice_client, uploaded)
    response = _undo(alice_client, uploaded)
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="recipient_removed").count() == 3


def test_undo_leaves_other_uploads_alone(alice_client, clock):
    first = _low_volume(alice_client)
    second = _low_volume(alice_client, [person("Di", "Ng", "7/8/1986", "di@example.com")])
    _undo(alice_client, first)
    assert list(Recipient.objects.active().values_list("upload", flat=True)) == [second.pk]
    assert set(_welcome_emails(second).values_list("status", flat=True)) == {"queued"}


# Send now, and after the window


def test_send_now_sends_at_once_and_undo_is_gone(alice_client, uploaded):
    response = _send_now(alice_client, uploaded, back="low_volume")
    assert response.url == f"/bulk-registration/?result={uploaded.pk}"
    assert send_due_emails() == 3
    page = alice_client.get(response.url).content.decode()
    assert 'id="undo-upload"' not in page
    assert "ask the help desk" in page
    _undo(alice_client, uploaded)
    assert Recipient.objects.active().count() == 3


def test_after_the_window_undo_is_refused_and_the_page_says_ask_the_help_desk(
    alice_client, uploaded, clock
):
    clock.move_to(UPLOADED + dt.timedelta(minutes=10))
    page = alice_client.get(f"/reports/{uploaded.pk}/").content.decode()
    assert 'id="undo-upload"' not in page
    assert "can no longer be undone. To remove recipients, ask the help desk." in page
    response = _undo(alice_client, uploaded)
    assert response.status_code == 302
    page = alice_client.get(response.url).content.decode()
    assert "The upload can no longer be undone" in page
    assert Recipient.objects.active().count() == 3


def test_undo_is_refused_whole_when_one_email_went_already(alice_client, uploaded):
    email = _welcome_emails(uploaded).first()
    OutboundEmail.objects.filter(pk=email.pk).update(status="accepted", sent_at=UPLOADED)
    _undo(alice_client, uploaded)
    assert Recipient.objects.active().count() == 3
    assert set(_welcome_emails(uploaded).values_list("status", flat=True)) == {
        "queued",
        "accepted",
    }


# Who may undo, and how


def test_it_returns_404_to_another_manager_of_the_location(uploaded, demo_clinic):
    carol = Client()
    carol.force_login(make_manager("carol@demo.example", demo_clinic))
    assert _undo(carol, uploaded).status_code == 404
    assert _send_now(carol, uploaded).status_code == 404
    assert Recipient.objects.active().count() == 3


def test_it_returns_404_to_a_manager_of_another_location(bob_client, uploaded):
    assert _undo(bob_client, uploaded).status_code == 404
    assert _send_now(bob_client, uploaded).status_code == 404
    assert Recipient.objects.active().count() == 3


def test_it_rejects_get(alice_client, uploaded):
    assert alice_client.get(f"/reports/{uploaded.pk}/undo/").status_code == 405
    assert alice_client.get(f"/reports/{uploaded.pk}/send-now/").status_code == 405


def test_it_requires_the_csrf_token(alice, uploaded):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert _undo(client, uploaded).status_code == 403
    assert _send_now(client, uploaded).status_code == 403
    assert Recipient.objects.active().count() == 3


def test_the_high_volume_summary_email_says_until_when_the_upload_can_be_undone(
    demo_clinic, alice, clock
):
    upload = _high_volume(demo_clinic, alice)
    send_due_emails()
    (summary,) = mail.outbox
    assert "Their welcome emails go out at 2:15 PM EST: until then you can undo" in summary.body
    assert f"https://portal.example/reports/{upload.pk}/" in summary.body
