"""What the manager sees of their upload's welcome emails: the counts on the upload's page and
the Reports tab, the people whose email did not arrive with why in plain words (linking to
their page), the Loaded Recipients filter, the recipient page's history, and the uploader's
digest, at most once an hour per upload."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from bulkupload.jobs import run_job, store_upload
from bulkupload.models import UploadBounceDigest
from outbox import delivery, sending
from outbox.models import OutboundEmail
from recipients.models import Recipient
from tests.helpers import person, recipient_csv

Status = OutboundEmail.Status
ADDRESSES = ("ann@deliver.example", "bo@bounce.example", "cy@bounce.example")


@pytest.fixture
def upload(demo_clinic, alice):
    """Three recipients loaded and their welcome emails accepted."""
    rows = [person(f"P{n}", email=address) for n, address in enumerate(ADDRESSES)]
    upload = store_upload(
        recipient_csv(*rows),
        file_name="march.csv",
        location=demo_clinic,
        user=alice,
        source="high_volume",
    )
    run_job(upload.pk)
    sending.send_due_emails()
    mail.outbox.clear()
    return upload


def _welcome(address: str) -> OutboundEmail:
    return OutboundEmail.objects.get(kind="welcome", user__email=address)


def _bounce(address: str, reason: str = "5.1.1 mailbox does not exist") -> None:
    delivery.record([_welcome(address).pk], Status.BOUNCED, source="bounce", reason=reason)


def test_the_upload_page_counts_the_welcome_emails_and_lists_who_did_not_get_one(
    alice_client, upload
):
    _bounce("bo@bounce.example")
    delivery.record([_welcome("cy@bounce.example").pk], Status.COMPLAINED, source="webhook")
    delivery.record([_welcome("ann@deliver.example").pk], Status.DELIVERED, source="webhook")
    page = alice_client.get(f"/reports/{upload.pk}/").content.decode()
    assert "3 welcome emails accepted · 1 delivered · 1 bounced · 1 marked as spam" in page
    bo = Recipient.objects.get(email="bo@bounce.example")
    assert f'href="/recipients/{bo.pk}/"' in page
    assert "The address does not exist" in page
    assert "Marked as spam" in page
    assert page.count('class="welcome-reason"') == 2


def test_the_reports_tab_counts_the_bounced_per_upload(alice_client, upload):
    _bounce("bo@bounce.example")
    page = alice_client.get("/reports/").content.decode()
    assert f'href="/reports/{upload.pk}/#welcome-not-reached">1</a>' in page


def test_loaded_recipients_filters_those_whose_welcome_email_bounced(alice_client, upload):
    _bounce("bo@bounce.example")
    page = alice_client.get("/recipients/", {"welcome": "bounced"}).content.decode()
    assert "bo@bounce.example" in page
    assert "ann@deliver.example" not in page and "cy@bounce.example" not in page
    assert "Total number of records: 1" in page
    everyone = alice_client.get("/recipients/").content.decode()
    assert everyone.count("Welcome email bounced</span>") == 1


def test_the_recipient_page_shows_the_welcome_emails_state_and_history(alice_client, upload):
    _bounce("bo@bounce.example")
    bo = Recipient.objects.get(email="bo@bounce.example")
    page = alice_client.get(f"/recipients/{bo.pk}/").content.decode()
    assert "Bounced</strong>: The address does not exist" in page
    assert "Accepted by the mail server" in page
    assert "(a bounce message): " in page and "5.1.1 mailbox does not exist" in page
    assert " UTC" in page or " EST" in page or " EDT" in page  # times say their zone


def test_the_uploader_gets_one_digest_an_hour_with_counts_and_a_link(upload, alice, settings):
    start = timezone.now()
    _bounce("bo@bounce.example")
    sending.send_due_emails()
    (digest,) = mail.outbox
    assert digest.to == [alice.email]
    assert "Bounced: 1" in digest.body
    assert f"{settings.SITE_URL}/reports/{upload.pk}/" in digest.body
    assert "bo@bounce.example" not in digest.body  # names and addresses stay behind sign-in
    _bounce("cy@bounce.example")  # ten minutes later: the next digest waits for the hour
    with time_machine.travel(start + dt.timedelta(minutes=10)):
        assert sending.send_due_emails() == 0
    assert UploadBounceDigest.objects.count() == 2
    with time_machine.travel(start + dt.timedelta(minutes=61)):
        sending.send_due_emails()
    assert len(mail.outbox) == 2
    assert "Bounced: 2" in mail.outbox[1].body


def test_bounces_while_a_digest_waits_queue_no_second_one(upload):
    _bounce("bo@bounce.example")
    _bounce("cy@bounce.example")
    assert UploadBounceDigest.objects.count() == 1
    assert OutboundEmail.objects.filter(kind="bounce_digest").count() == 1
