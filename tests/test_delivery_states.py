"""Each welcome email's fate: what the relay answers at send time (accepted, refused for good,
refused for now), the states news may move an email to, and the recipient flagged when their
welcome email did not arrive, until a later one goes through.

The relay is a real SMTP server (aiosmtpd) on the loopback that refuses some domains at RCPT
and offers PIPELINING, as Postfix does: the sender's commands go at once (cvms/mail.py).
"""

import datetime as dt
import email
from email import policy

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.utils import timezone

from audit.models import AuditEvent
from bulkupload.jobs import run_job, store_upload
from devsupport import free_port
from outbox import delivery, sending
from outbox.models import DeliveryEvent, OutboundEmail
from outbox.sessions import Sessions
from recipients import selfservice
from recipients.models import Recipient
from tests.helpers import person, recipient_csv

HOST = "127.0.0.1"
Status = OutboundEmail.Status


class _Relay:
    """Takes mail for any domain but two: @reject.example is refused for good, @later.example
    for now, both at RCPT, as a relay's recipient checks answer."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.senders: list[str] = []

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        if address.endswith("@reject.example"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: mailbox does not exist"
        if address.endswith("@later.example"):
            return f"450 4.2.0 <{address}>: Recipient address rejected: try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802
        self.senders.append(envelope.mail_from)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def relay(settings):
    handler = _Relay()
    controller = Controller(handler, hostname=HOST, port=free_port(HOST))
    settings.EMAIL_BACKEND = "cvms.mail.SMTPBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = HOST, controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


def _load(location, manager, *addresses: str) -> dict[str, OutboundEmail]:
    """Recipients loaded by an upload, one per address: their welcome emails, by address."""
    rows = [person(f"P{n}", email=address) for n, address in enumerate(addresses)]
    upload = store_upload(
        recipient_csv(*rows),
        file_name="f.csv",
        location=location,
        user=manager,
        source="command_line",
    )
    assert run_job(upload.pk).created == len(addresses)
    return {e.user.email: e for e in OutboundEmail.objects.filter(kind="welcome")}


def _fresh(email: OutboundEmail) -> OutboundEmail:
    return OutboundEmail.objects.get(pk=email.pk)


def _recipient(address: str) -> Recipient:
    return Recipient.objects.get(email=address)


def test_an_email_the_relay_takes_is_accepted_and_says_it_is_automatic(relay, demo_clinic, alice):
    emails = _load(demo_clinic, alice, "ann@deliver.example")
    sending.send_due_emails()
    sent = _fresh(emails["ann@deliver.example"])
    assert (sent.status, sent.reason) == (Status.ACCEPTED, "")
    assert sent.sent_at is not None
    (message,) = relay.messages
    assert message["Auto-Submitted"] == "auto-generated"


def test_a_refusal_for_good_bounces_at_once_with_the_relays_reason(relay, demo_clinic, alice):
    emails = _load(demo_clinic, alice, "bo@reject.example", "ann@deliver.example")
    assert sending.send_due_emails() == 2
    bounced = _fresh(emails["bo@reject.example"])
    assert bounced.status == Status.BOUNCED
    assert "550 5.1.1" in bounced.reason and "mailbox does not exist" in bounced.reason
    assert delivery.plain_reason(bounced.status, bounced.reason) == "The address does not exist"
    assert list(DeliveryEvent.objects.values_list("email", "status", "source")) == [
        (bounced.pk, "bounced", "relay")
    ]
    # The same connection went on: the next email was accepted.
    assert _fresh(emails["ann@deliver.example"]).status == Status.ACCEPTED
    assert _recipient("bo@reject.example").welcome_problem == "bounced"
    assert _recipient("ann@deliver.example").welcome_problem == ""
    sending.send_due_emails()  # the uploader's digest goes; the bounced email is not tried again
    assert (_fresh(bounced).attempts, _fresh(bounced).status) == (1, Status.BOUNCED)


def test_a_refusal_for_now_is_tried_again_later(relay, demo_clinic, alice):
    emails = _load(demo_clinic, alice, "cy@later.example")
    sending.send_due_emails()
    waiting = _fresh(emails["cy@later.example"])
    assert waiting.status == Status.QUEUED
    assert "450 4.2.0" in waiting.reason
    assert waiting.next_attempt_at > timezone.now()
    assert waiting.deferred_since is not None
    assert DeliveryEvent.objects.get().status == "deferred"
    assert sending.send_due_emails() == 0  # not due yet
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        assert sending.send_due_emails() == 1
    assert _recipient("cy@later.example").welcome_problem == ""  # not a bounce (yet)


def test_a_refusal_for_now_is_given_up_after_the_configured_time(
    relay, demo_clinic, alice, settings
):
    settings.EMAIL_DEFERRED_GIVE_UP_HOURS = 2
    emails = _load(demo_clinic, alice, "cy@later.example")
    start = timezone.now()
    sending.send_due_emails()
    with time_machine.travel(start + dt.timedelta(hours=1)):
        sending.send_due_emails()
    assert _fresh(emails["cy@later.example"]).status == Status.QUEUED
    with time_machine.travel(start + dt.timedelta(hours=2, minutes=1)):
        sending.send_due_emails()
    given_up = _fresh(emails["cy@later.example"])
    assert given_up.status == Status.FAILED
    assert "after 2 hours" in given_up.reason and "450 4.2.0" in given_up.reason


def test_a_later_welcome_email_that_goes_through_clears_the_flag(relay, demo_clinic, alice):
    _load(demo_clinic, alice, "bo@reject.example")
    sending.send_due_emails()
    recipient = _recipient("bo@reject.example")
    assert recipient.welcome_problem == "bounced"
    selfservice.correct_email(recipient, "bo@deliver.example", by=alice)
    assert _recipient("bo@deliver.example").welcome_problem == "bounced"  # until it goes
    sending.send_due_emails()
    assert _recipient("bo@deliver.example").welcome_problem == ""
    # The uploader's summary and bounce digest may go in the same run, in any order.
    assert [m["To"] for m in relay.messages if m["To"] != alice.email] == ["bo@deliver.example"]


def test_a_welcome_email_that_did_not_arrive_is_in_the_audit_trail_without_the_address(
    relay, demo_clinic, alice
):
    emails = _load(demo_clinic, alice, "bo@reject.example", "ann@deliver.example")
    sending.send_due_emails()
    recipient = _recipient("bo@reject.example")
    entries = AuditEvent.objects.filter(action=AuditEvent.Action.WELCOME_UNDELIVERED)
    assert [(e.target, e.detail) for e in entries] == [
        (f"recipient #{recipient.pk}", f"welcome email #{emails['bo@reject.example'].pk}: bounced")
    ]
    assert "example" not in entries[0].detail


def test_news_of_an_older_email_never_flags_a_recipient_a_newer_one_reached(
    relay, demo_clinic, alice
):
    emails = _load(demo_clinic, alice, "ann@deliver.example")
    sending.send_due_emails()
    recipient = _recipient("ann@deliver.example")
    selfservice.resend_welcome(recipient, by=alice)
    sending.send_due_emails()
    # The first email's bounce arrives after the second went through.
    delivery.record([emails["ann@deliver.example"].pk], Status.BOUNCED, source="bounce")
    assert _recipient("ann@deliver.example").welcome_problem == ""


@pytest.mark.parametrize(
    ("first", "then", "ends"),
    [
        (Status.DELIVERED, Status.DEFERRED, Status.DELIVERED),  # old news of a delay
        (Status.BOUNCED, Status.DELIVERED, Status.BOUNCED),
        (Status.DEFERRED, Status.BOUNCED, Status.BOUNCED),
        (Status.DELIVERED, Status.COMPLAINED, Status.COMPLAINED),
        (Status.BOUNCED, Status.COMPLAINED, Status.COMPLAINED),
    ],
)
def test_news_moves_an_email_only_to_a_state_that_may_follow(
    relay, demo_clinic, alice, first, then, ends
):
    emails = _load(demo_clinic, alice, "ann@deliver.example")
    sending.send_due_emails()
    welcome = emails["ann@deliver.example"]
    delivery.record([welcome.pk], first, source="webhook")
    delivery.record([welcome.pk], then, source="webhook")
    assert _fresh(welcome).status == ends


def test_news_of_an_email_never_sent_changes_nothing(demo_clinic, alice):
    emails = _load(demo_clinic, alice, "ann@deliver.example")
    welcome = emails["ann@deliver.example"]
    assert delivery.record([welcome.pk], Status.BOUNCED, source="bounce") == []
    assert _fresh(welcome).status == Status.QUEUED
    assert not DeliveryEvent.objects.exists()


@pytest.mark.parametrize(
    ("status", "reason", "words"),
    [
        ("bounced", "550 5.1.1 <a@x.example>: rejected", "The address does not exist"),
        ("bounced", "552 5.2.2 Mailbox full", "The mailbox is full"),
        ("bounced", "550 5.7.1 spam", "Refused by the receiving mail server's policy"),
        ("complained", "", "Marked as spam"),
        ("bounced", "550 go away", "Refused by the receiving mail server"),
    ],
)  # fmt: skip
def test_the_manager_reads_the_reason_in_plain_words(status, reason, words):
    assert delivery.plain_reason(status, reason) == words


def test_a_session_the_relay_dropped_between_batches_is_opened_again(relay, demo_clinic, alice):
    _load(demo_clinic, alice, "ann@deliver.example", "bo@deliver.example")
    with Sessions(1) as sessions:
        assert sending.send_due_emails(limit=1, sessions=sessions) == 1
        # The relay ends the idle session (its timeout): the socket is gone, the backend
        # still thinks it is open.
        for backend in sessions._connections:
            backend.connection.close()
        assert sending.send_due_emails(limit=1, sessions=sessions) == 1
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {Status.ACCEPTED}
    assert len(relay.messages) == 2
