"""Where the relay offers PIPELINING, MAIL FROM, RCPT TO and DATA go at once and their answers
are read together (cvms/mail.py), with smtplib's errors for the same answers; where it does
not, smtplib's own sendmail. Against a scripted connection: what is sent, in how many writes."""

import smtplib

import pytest
from django.core.mail import EmailMessage
from django.core.mail.message import sanitize_address
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from cvms.mail import SMTPBackend
from tests.helpers import BARE_ADDRESS


class _Connection:
    """Stands where smtplib's connection stands: records each write, answers from a script."""

    def __init__(self, *answers: tuple[int, bytes], pipelining: bool = True) -> None:
        self.answers = list(answers)
        self.pipelining = pipelining
        self.writes: list[bytes] = []
        self.rsets = 0
        self.sendmails: list[tuple[str, list[str], bytes]] = []

    def ehlo_or_helo_if_needed(self) -> None:
        pass

    def has_extn(self, name: str) -> bool:
        return {"pipelining": self.pipelining, "size": True}.get(name, False)

    def send(self, data: str | bytes) -> None:
        self.writes.append(data.encode() if isinstance(data, str) else data)

    def getreply(self) -> tuple[int, bytes]:
        return self.answers.pop(0)

    def rset(self) -> None:
        self.rsets += 1

    def sendmail(self, from_email: str, recipients: list[str], message: bytes) -> dict:
        self.sendmails.append((from_email, recipients, message))
        return {}


OK, GO = (250, b"2.0.0 Ok"), (354, b"End data with <CR><LF>.<CR><LF>")
REFUSED = (550, b"5.1.1 <zoe@reject.example>: Recipient address rejected")


def _send(connection: _Connection, body: str = "Hello\n") -> None:
    backend = SMTPBackend(host="127.0.0.1", port=25, fail_silently=False)
    backend.connection = connection
    message = EmailMessage("Hi", body, "cvms@portal.example", ["zoe@deliver.example"])
    message.extra_headers = {"Message-ID": "<1@portal.example>"}
    backend._send(message)


def test_the_three_commands_go_in_one_write_and_the_message_in_a_second():
    relay = _Connection(OK, OK, GO, OK)
    _send(relay)
    commands, message = relay.writes
    assert commands.startswith(b"MAIL FROM:<cvms@portal.example> SIZE=")
    assert commands.endswith(b"\r\nRCPT TO:<zoe@deliver.example>\r\nDATA\r\n")
    assert message.endswith(b"\r\n\r\nHello\r\n.\r\n")
    assert relay.answers == [] and relay.rsets == 0


def test_a_line_starting_with_a_dot_gets_a_second_one():
    relay = _Connection(OK, OK, GO, OK)
    _send(relay, "one\n.two\n..three\n")
    assert b"\r\none\r\n..two\r\n...three\r\n.\r\n" in relay.writes[1]


def test_a_refused_recipient_is_smtplibs_recipients_refused_and_nothing_is_sent():
    relay = _Connection(OK, REFUSED, (554, b"5.5.1 Error: no valid recipients"))
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        _send(relay)
    assert refused.value.recipients == {"zoe@deliver.example": REFUSED}
    assert len(relay.writes) == 1 and relay.rsets == 1


def test_a_relay_that_takes_data_after_refusing_every_recipient_gets_an_empty_end():
    relay = _Connection(OK, REFUSED, GO, (554, b"5.5.1 no valid recipients"))
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        _send(relay)
    assert relay.writes[1] == b".\r\n"  # the message itself never goes


def test_a_refused_sender_is_smtplibs_sender_refused():
    relay = _Connection((451, b"4.3.0 try later"), (503, b"need MAIL"), (503, b"need RCPT"))
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        _send(relay)
    assert refused.value.smtp_code == 451
    assert relay.rsets == 1


def test_a_message_refused_at_its_end_is_smtplibs_data_error():
    relay = _Connection(OK, OK, GO, (552, b"5.3.4 Message too big"))
    with pytest.raises(smtplib.SMTPDataError) as refused:
        _send(relay)
    assert refused.value.smtp_code == 552


def test_without_pipelining_smtplib_sends_as_it_always_did():
    relay = _Connection(pipelining=False)
    _send(relay)
    assert relay.writes == []
    ((sender, recipients, _),) = relay.sendmails
    assert (sender, recipients) == ("cvms@portal.example", ["zoe@deliver.example"])


@hypothesis_settings(max_examples=200)
@given(
    st.one_of(
        st.from_regex(BARE_ADDRESS, fullmatch=True),
        st.from_regex(r"[A-Za-z .]{1,10} <[a-z0-9.+-]{1,10}@[a-z]{1,8}\.example>", fullmatch=True),
        st.emails(),
    )
)
def test_the_addresses_go_as_smtplib_quotes_them(address):
    """A bare address is written without parsing it; any address as smtplib would write it."""
    message = EmailMessage("Hi", "x", address, ["zoe@deliver.example"])
    message.extra_headers = {"Message-ID": "<1@portal.example>"}
    try:
        sender = sanitize_address(message.from_email, "utf-8")
    except (ValueError, AttributeError):
        # Django refuses it before any relay sees it; or the standard library's header parser
        # fails on it (AttributeError: a display name of dots alone, such as ". <0@a.example>")
        return
    relay = _Connection(OK, OK, GO, OK)
    backend = SMTPBackend(host="127.0.0.1", port=25, fail_silently=False)
    backend.connection = relay
    backend._send(message)
    mail_from = relay.writes[0].split(b"\r\n")[0].split(b" SIZE=")[0]
    assert mail_from == f"MAIL FROM:{smtplib.quoteaddr(sender)}".encode()
