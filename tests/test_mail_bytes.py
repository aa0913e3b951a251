"""What the relay receives is byte for byte what Django writes, though our SMTP backend writes
short plain headers itself (cvms/mail.py): names with accents, long and non-ASCII subjects,
odd spacing, an attachment."""

import re

import pytest
import time_machine
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.message import sanitize_address
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from cvms.mail import SMTPBackend

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


# Bare addresses as RFC 5322 allows them unquoted (dot-atoms), the shape the backend takes as
# they are; and addresses of any other shape, which it leaves to Django.
ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
BARE = rf"{ATOM}(\.{ATOM})*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*"


@hypothesis_settings(max_examples=300)
@given(
    st.one_of(
        st.from_regex(BARE, fullmatch=True),
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
