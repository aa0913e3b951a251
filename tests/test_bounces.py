"""Bounces from our own relay (VERP): each email's envelope sender names it with a signed id;
bounce messages of several real shapes, delivered into BOUNCE_MAILDIR, are read by the id, and
a forged or unreadable one changes nothing and is counted.

The fixtures (tests/bounces/) are bounces as Postfix, Exim, Gmail, Microsoft and qmail write
them, and an abuse report (RFC 5965), with the VERP address and the failed address filled in.
"""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from bulkupload.jobs import run_job, store_upload
from outbox import bounces, sending
from outbox.delivery import plain_reason
from outbox.models import DeliveryEvent, OutboundEmail
from outbox.tasks import read_bounces
from recipients.models import Recipient
from tests.helpers import person, recipient_csv

FIXTURES = Path(__file__).parent / "bounces"
ADDRESS = "bo@bounce.example"


@pytest.fixture(autouse=True)
def _bounce_address(settings):
    settings.BOUNCE_ADDRESS = "bounces@bounces.example"


@pytest.fixture
def welcome(demo_clinic, alice) -> OutboundEmail:
    """A welcome email the relay accepted."""
    upload = store_upload(
        recipient_csv(person("Bo", email=ADDRESS)),
        file_name="f.csv",
        location=demo_clinic,
        user=alice,
        source="command_line",
    )
    run_job(upload.pk)
    sending.send_due_emails()
    email = OutboundEmail.objects.get(kind="welcome")
    assert email.status == "accepted"
    return email


def _bounce(name: str, email_id: int, *, verp: str = "") -> bytes:
    text = (FIXTURES / f"{name}.eml").read_text()
    text = text.replace("{{VERP}}", verp or bounces.verp_address(email_id))
    return text.replace("{{RCPT}}", ADDRESS).encode()


def _maildir(tmp_path: Path, *messages: bytes) -> Path:
    for folder in ("new", "cur", "tmp"):
        (tmp_path / folder).mkdir()
    for number, message in enumerate(messages):
        (tmp_path / "new" / f"1733458801.V801I{number}.relay").write_bytes(message)
    return tmp_path


def _names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def test_every_email_leaves_with_its_own_signed_envelope_sender(welcome, settings):
    (message,) = mail.outbox
    assert message.from_email == bounces.verp_address(welcome.pk)
    assert message.from_email.startswith(f"bounces+{welcome.pk}-")
    assert message.from_email.endswith("@bounces.example")
    assert message.message()["From"] == settings.DEFAULT_FROM_EMAIL  # what people see stays
    assert bounces.email_id_of(message.from_email.upper()) == welcome.pk


NO_SUCH_ADDRESS = "The address does not exist"


@pytest.mark.parametrize(
    ("fixture", "status", "reason", "plain"),
    [
        ("postfix", "bounced", "5.1.1 mailbox does not exist", NO_SUCH_ADDRESS),
        ("exim", "bounced", "552 5.2.2 The email account", "The mailbox is full"),
        ("gmail", "bounced", "550 5.1.1 https://support", NO_SUCH_ADDRESS),
        ("microsoft", "bounced", "550 5.5.0 Requested", "Refused by the receiving mail server"),
        ("qmail_plain", "bounced", "550 5.1.1 <bo@bounce.example>... User", NO_SUCH_ADDRESS),
        ("postfix_delayed", "deferred", "4.4.1 connect to mx", "Delayed: the receiving mail "
         "server is still trying"),
        ("complaint", "complained", "Marked as spam", "Marked as spam"),
    ],
)  # fmt: skip
def test_a_bounce_is_read_by_its_signed_id(welcome, fixture, status, reason, plain):
    bounce = bounces.read_bounce(_bounce(fixture, welcome.pk))
    assert (bounce.email_id, bounce.status) == (welcome.pk, status)
    assert reason in bounce.reason
    assert plain_reason(bounce.status, bounce.reason) == plain


def test_a_bounce_with_a_bad_signature_is_refused(welcome):
    forged = bounces.verp_address(welcome.pk)[: -len("@bounces.example") - 1] + "0@bounces.example"
    with pytest.raises(bounces.NotOurs):
        bounces.read_bounce(_bounce("postfix", welcome.pk, verp=forged))
    # Another email's id with this one's signature is no better.
    signature = bounces.verp_address(welcome.pk).split("-")[1]
    with pytest.raises(bounces.NotOurs):
        bounces.email_id_of(f"bounces+{welcome.pk + 1}-{signature}")


def test_the_maildir_reader_applies_bounces_and_moves_each_message(welcome, tmp_path):
    maildir = _maildir(tmp_path, _bounce("postfix", welcome.pk))
    counts = bounces.read_maildir(maildir)
    assert (counts.read, counts.changed, counts.forged, counts.unparseable) == (1, 1, 0, 0)
    email = OutboundEmail.objects.get(pk=welcome.pk)
    assert (email.status, email.reason) == ("bounced", "5.1.1 mailbox does not exist")
    assert DeliveryEvent.objects.get().source == "bounce"
    assert Recipient.objects.get(email=ADDRESS).welcome_problem == "bounced"
    assert _names(maildir / "new") == []
    assert _names(maildir / "cur") == ["1733458801.V801I0.relay:2,S"]


def test_a_second_run_finds_nothing_and_the_same_bounce_again_changes_nothing(welcome, tmp_path):
    maildir = _maildir(tmp_path, _bounce("postfix", welcome.pk))
    bounces.read_maildir(maildir)
    assert bounces.read_maildir(maildir).read == 0
    (maildir / "new" / "again").write_bytes(_bounce("postfix", welcome.pk))
    counts = bounces.read_maildir(maildir)
    assert (counts.read, counts.changed, counts.unchanged) == (1, 0, 1)
    assert DeliveryEvent.objects.count() == 1


def test_forged_and_unreadable_messages_change_nothing_and_are_counted(welcome, tmp_path):
    forged = bounces.verp_address(welcome.pk).replace("+", "+9")
    maildir = _maildir(
        tmp_path,
        _bounce("postfix", welcome.pk, verp=forged),
        _bounce("auto_reply", welcome.pk),
        b"\x00\xff not an email at all",
    )
    counts = bounces.read_maildir(maildir)
    assert (counts.read, counts.changed, counts.forged, counts.unparseable) == (3, 0, 2, 1)
    assert OutboundEmail.objects.get(pk=welcome.pk).status == "accepted"
    assert not DeliveryEvent.objects.exists()
    assert len(_names(maildir / "failed")) == 3
    assert _names(maildir / "new") == _names(maildir / "cur") == []


def test_the_command_reads_the_maildir_and_prints_the_counts(welcome, tmp_path, settings):
    settings.BOUNCE_MAILDIR = str(_maildir(tmp_path, _bounce("exim", welcome.pk)))
    out = StringIO()
    call_command("read_bounces", stdout=out)
    assert json.loads(out.getvalue()) == {
        "read": 1,
        "changed": 1,
        "unchanged": 0,
        "forged": 0,
        "unparseable": 0,
    }


def test_beat_reads_the_maildir_only_when_there_is_one(welcome, tmp_path, settings):
    maildir = _maildir(tmp_path, _bounce("postfix", welcome.pk))
    settings.BOUNCE_MAILDIR = ""
    read_bounces.apply()
    assert _names(maildir / "new") != []
    settings.BOUNCE_MAILDIR = str(maildir)
    read_bounces.apply()
    assert _names(maildir / "new") == []
    assert OutboundEmail.objects.get(pk=welcome.pk).status_changed_at <= timezone.now()
