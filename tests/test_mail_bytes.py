"""What the relay receives is byte for byte what Django writes, though our SMTP backend writes
short plain headers itself (cvms/mail.py): names with accents, long and non-ASCII subjects,
odd spacing, an attachment."""

import re

import pytest
import time_machine
from django.core.mail import BadHeaderError, EmailMessage, EmailMultiAlternatives
from django.core.mail.message import sanitize_address
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from cvms import mime
from cvms.mail import _SMTP_LINES, SMTPBackend
from tests.helpers import BARE_ADDRESS

BOUNDARY = re.compile(rb'boundary="([^"]+)"')


class _Relay:
    """Stands where smtplib's connection stands: keeps what it was given."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, list[str], bytes]] = []

    def ehlo_or_helo_if_needed(self) -> None:
        pass

    def has_extn(self, name: str) -> bool:
        return False  # no PIPELINING: smtplib's sendmail, which this keeps what it is given

    def sendmail(self, from_email: str, recipients: list[str], message: bytes) -> dict:
        self.sent.append((from_email, recipients, message))
        return {}


def _messages() -> list[EmailMessage]:
    welcome = EmailMultiAlternatives(
        "Welcome to the North Carolina COVID-19 Vaccine Portal",
        "Hello José Ñúñez,\n\nSet your password: https://portal.example/portal/setup/MQ/a-b/\n",
        "Vaccine Management System <nccvms@dhhs.nc.gov>",
        ["José Ñúñez <jose@deliver.example>"],
        headers={"Auto-Submitted": "auto-generated", "Message-ID": "<1@portal.example>"},
    )
    welcome.attach_alternative("<p>Hello José Ñúñez</p>", "text/html")
    long_subject = EmailMessage(
        "Recipient Bulk Upload: 4,996 of 5,000 recipients could not be created "
        "(a file with a very long name indeed, longer than one header line.csv)",
        "x" * 2000,
        "Vaccine Management System <nccvms@dhhs.nc.gov>",
        ["manager@staff.example"],
        headers={"Message-ID": "<2@portal.example>", "X-Spaced": "  two  spaces  "},
    )
    long_subject.attach("failed.csv", "FirstName,Email\r\n=cmd,x@y\r\n", "text/csv")
    accents = EmailMessage(
        "Réinitialisez votre mot de passe",
        "Ça marche.\n",
        "Équipe <team@staff.example>",
        ["zoe@deliver.example"],
        headers={"Message-ID": "<3@portal.example>"},
    )
    return [welcome, long_subject, accents]


def _without_boundaries(message: bytes) -> bytes:
    for boundary in BOUNDARY.findall(message):
        message = message.replace(boundary, b"BOUNDARY")
    return message


@pytest.mark.parametrize("number", range(3))
def test_the_relay_gets_the_bytes_django_writes(settings, number):
    message = _messages()[number]
    backend = SMTPBackend(host="127.0.0.1", port=25)
    backend.connection = relay = _Relay()
    with time_machine.travel("2026-03-01 12:00:00 +00:00", tick=False):
        assert backend.send_messages([message]) == 1
        expected = message.message().as_bytes(linesep="\r\n")
    ((_, _, sent),) = relay.sent
    assert _without_boundaries(sent) == _without_boundaries(expected)


# Bare addresses, which the backend takes as they are; and addresses of any other shape,
# which it leaves to Django.
@hypothesis_settings(max_examples=300)
@given(
    st.one_of(
        st.from_regex(BARE_ADDRESS, fullmatch=True),
        st.emails(),
        st.builds(
            "{} <{}>".format, st.from_regex(r"[A-Za-zÀ-ÿ ]{1,20}", fullmatch=True), st.emails()
        ),
    )
)
def test_the_relay_gets_the_addresses_django_would_give_it(address):
    try:
        expected = sanitize_address(address, "utf-8")
    except ValueError:
        return  # Django refuses it before any relay sees it
    backend = SMTPBackend(host="127.0.0.1", port=25)
    backend.connection = relay = _Relay()
    message = EmailMessage("Hi", "x", "Vaccine Management System <nccvms@dhhs.nc.gov>")
    message.to = [address]
    backend.send_messages([message])
    ((sender, recipients, _),) = relay.sent
    assert recipients == [expected]
    assert sender == "Vaccine Management System <nccvms@dhhs.nc.gov>"


# The common shape cvms.mime writes itself: any text, any subject, addresses of every kind,
# the headers the outbox adds, text alternatives. Where it writes, its bytes are Django's.
MESSAGE_ID = re.compile(rb"Message-ID: <[^>]*>")
TEXT = st.lists(
    st.one_of(
        st.sampled_from(["\n", "\r\n", "\r", ".", "From ", "--", " ", "\t", "\u2028", "\x0b"]),
        st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8),
        st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=20),
    ),
    max_size=12,
).map("".join)
LINE = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=90)
SIMPLE_ADDRESS = st.from_regex(r"[a-z0-9._%+-]{1,12}@[a-z0-9-]{1,10}\.[a-z]{2,4}", fullmatch=True)
ADDRESS = st.one_of(
    SIMPLE_ADDRESS,
    st.builds(
        "{} <{}>".format, st.from_regex(r"[A-Za-zÀ-ÿ .]{1,15}", fullmatch=True), SIMPLE_ADDRESS
    ),
)


def _body(pieces: list[str], long_line: bool) -> str:
    return "".join(pieces) + ("x" * 999 if long_line else "")


@st.composite
def plain_messages(draw):
    alternatives = draw(
        st.lists(st.tuples(TEXT, st.sampled_from(["text/html", "text/plain"])), max_size=2)
    )
    kind = EmailMultiAlternatives if alternatives or draw(st.booleans()) else EmailMessage
    extra = draw(
        st.dictionaries(
            st.sampled_from(["Auto-Submitted", "X-Spaced", "Date", "From", "To", "Reply-To"]),
            st.one_of(LINE, ADDRESS),
            max_size=3,
        )
    )
    if draw(st.booleans()):
        extra["Message-ID"] = "<1.2@portal.example>"
    message = kind(
        subject=draw(st.one_of(LINE, TEXT)),
        body=_body(draw(st.lists(TEXT, min_size=1, max_size=3)), draw(st.integers(0, 4)) == 0),
        from_email=draw(ADDRESS),
        to=draw(st.lists(ADDRESS, max_size=2)),
        cc=draw(st.lists(ADDRESS, max_size=1)),
        reply_to=draw(st.lists(ADDRESS, max_size=1)),
        headers=extra,
    )
    message.encoding = draw(st.sampled_from([None, None, "utf-8", "iso-8859-1"]))
    message.content_subtype = draw(st.sampled_from(["plain", "html"]))
    for content, mimetype in alternatives:
        message.attach_alternative(content, mimetype)
    return message


def _as_django_writes(message: EmailMessage, boundary: str) -> bytes:
    written = message.message()
    written.policy = _SMTP_LINES
    if written.is_multipart():
        written.set_boundary(boundary)
    return written.as_bytes(linesep="\r\n")


def _outcome(write) -> bytes | str | None:
    """What `write` gave, Message-ID aside; or the name of the error it raised."""
    try:
        written = write()
    except (BadHeaderError, UnicodeError) as error:
        return type(error).__name__
    return None if written is None else MESSAGE_ID.sub(b"", written)


@hypothesis_settings(max_examples=200, deadline=None)
@given(plain_messages())
def test_the_common_shape_is_written_as_django_writes_it(message):
    boundary = "===============1234567890123456789=="
    with time_machine.travel("2026-03-01 12:00:00 +00:00", tick=False):
        ours = _outcome(lambda: mime.written(message, boundary))
        expected = _outcome(lambda: _as_django_writes(message, boundary))
    if ours is not None:  # None: left to Django
        assert ours == expected


def test_a_welcome_email_is_written_without_mime_objects():
    """The shape the outbox sends most takes the fast path (else the test above proves
    nothing about it), with the Message-ID and Auto-Submitted headers the outbox adds."""
    message = _messages()[0]
    message.extra_headers["From"] = message.from_email
    message.from_email = "bounces+1.abc@cvms.example.gov"
    boundary = "===============0000000000000000042=="
    with time_machine.travel("2026-03-01 12:00:00 +00:00", tick=False):
        ours = mime.written(message, boundary)
        assert ours == _as_django_writes(message, boundary)
    assert b"Content-Transfer-Encoding: 8bit\r\n\r\nHello Jos\xc3\xa9" in ours


def test_a_header_django_refuses_is_refused_on_the_fast_path_too():
    message = EmailMessage("Hi\nBcc: victim@example.com", "x", "a@b.example", ["c@d.example"])
    with pytest.raises(BadHeaderError):
        mime.written(message, "b")
    with pytest.raises(BadHeaderError):
        message.message()
