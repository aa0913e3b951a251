"""News from an email provider (django-anymail's tracking webhooks): each email leaves with its
id in the provider's metadata; a signed (basic-auth) webhook moves it to delivered, bounced or
complained, as a bounce message would; an unsigned one changes nothing."""

import base64
import json

import pytest
from anymail.signals import AnymailTrackingEvent, tracking
from django.core import mail

from bulkupload.jobs import run_job, store_upload
from outbox import sending
from outbox.models import DeliveryEvent, OutboundEmail
from recipients.models import Recipient
from tests.helpers import person, recipient_csv

ADDRESS = "bo@bounce.example"
SECRET = "cvms-hook:long-random-secret"


@pytest.fixture(autouse=True)
def _webhook_secret(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}


@pytest.fixture
def welcome(demo_clinic, alice) -> OutboundEmail:
    upload = store_upload(
        recipient_csv(person("Bo", email=ADDRESS)),
        file_name="f.csv",
        location=demo_clinic,
        user=alice,
        source="command_line",
    )
    run_job(upload.pk)
    sending.send_due_emails()
    return OutboundEmail.objects.get(kind="welcome")


def _postmark(client, payload: dict, *, secret: str = SECRET):
    auth = base64.b64encode(secret.encode()).decode()
    return client.post(
        "/anymail/postmark/tracking/",
        json.dumps(payload),
        content_type="application/json",
        headers={"authorization": f"Basic {auth}"},
    )


def _hard_bounce(email: OutboundEmail) -> dict:
    return {
        "RecordType": "Bounce",
        "Type": "HardBounce",
        "ID": 4323372036854775807,
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Description": "The server was unable to deliver your message (ex: unknown user).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": ADDRESS,
        "BouncedAt": "2026-12-06T04:30:00Z",
        "Metadata": {"cvms_email": str(email.pk)},
    }


def test_every_email_carries_its_id_for_the_provider(welcome):
    (message,) = mail.outbox
    assert message.metadata == {"cvms_email": str(welcome.pk)}


def test_a_signed_bounce_webhook_bounces_the_email_and_flags_the_recipient(client, welcome):
    response = _postmark(client, _hard_bounce(welcome))
    assert response.status_code == 200
    email = OutboundEmail.objects.get(pk=welcome.pk)
    assert email.status == "bounced"
    assert "550 5.1.1" in email.reason
    assert DeliveryEvent.objects.get().source == "webhook"
    assert Recipient.objects.get(email=ADDRESS).welcome_problem == "bounced"


def test_a_webhook_without_the_secret_changes_nothing(client, welcome):
    response = _postmark(client, _hard_bounce(welcome), secret="cvms-hook:guess")
    assert response.status_code in {400, 403}
    assert OutboundEmail.objects.get(pk=welcome.pk).status == "accepted"
    assert not DeliveryEvent.objects.exists()


@pytest.mark.parametrize(
    ("event_type", "status"),
    [("delivered", "delivered"), ("complained", "complained"), ("rejected", "bounced")],
)
def test_the_providers_tracking_events_map_onto_the_same_states(welcome, event_type, status):
    event = AnymailTrackingEvent(
        event_type=event_type, metadata={"cvms_email": str(welcome.pk)}, esp_event={}
    )
    tracking.send(sender=object, event=event, esp_name="Amazon SES")
    assert OutboundEmail.objects.get(pk=welcome.pk).status == status


def test_opens_and_mail_of_others_change_nothing(welcome):
    for event in (
        AnymailTrackingEvent(event_type="opened", metadata={"cvms_email": str(welcome.pk)}),
        AnymailTrackingEvent(event_type="bounced", metadata={}),
        AnymailTrackingEvent(event_type="bounced", metadata={"cvms_email": "x"}),
    ):
        tracking.send(sender=object, event=event, esp_name="SendGrid")
    assert OutboundEmail.objects.get(pk=welcome.pk).status == "accepted"
