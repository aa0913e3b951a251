"""The email backends every email leaves through: the outbox's, Django's password resets and
its error reports to ADMINS alike. Settings pick them for the backend EMAIL_URL names.

What Django's own backends get wrong or slow for us:

- Django writes `Message-ID: <…@host>` with the machine's name, which in a container is
  `localhost` or a random id; spam filters count that against a message. Ours carry the
  portal's own domain (EMAIL_MESSAGE_ID_DOMAIN, else SITE_URL's host).
- A state's relay often has a certificate from the state's own CA, which the system's CA
  bundle does not know: EMAIL_SSL_CAFILE names the bundle that verifies it.
- Writing a message out, the standard library's compat32 policy folds every header through
  email.header.Header, even a short ASCII one that needs no folding: half the time a welcome
  email's bytes took, for the same bytes. Ours writes those as they are (the rest as before).
- Writing a multipart message, the standard library draws a random boundary and compiles a
  regular expression from it to check the text does not hold it (re's cache never sees the
  same one twice), and Django parses every address again for each message: together most of
  the time a welcome email's bytes took. Ours draws the boundary from `secrets` (63 random
  bits no text can guess) and takes a bare ASCII address as it is (what Django's parsing
  gives back for it: tests/test_mail_bytes.py), remembering the rest (the From repeats).
- Even so, building Django's MIME objects and writing them out costs several times what the
  bytes of a welcome email take to write as strings: for the common shape (text and text
  alternatives, UTF-8, short plain headers) cvms.mime writes them directly, the same bytes.
- smtplib waits for the relay's answer to MAIL FROM, to each RCPT TO and to DATA in turn:
  three round trips before the message goes, each a wake-up of the relay and of the sender.
  Where the relay offers PIPELINING (RFC 2920; Postfix, Exim and the large providers do), ours
  sends the three commands at once and reads their answers together, with smtplib's errors for
  the same answers (`_pipelined_sendmail`), a bare address written as smtplib would without
  parsing it (`_quoted`).
"""

from __future__ import annotations

import functools
import re
import smtplib
import ssl
from collections.abc import Sequence
from email.policy import Compat32
from email.utils import make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends import filebased, smtp
from django.core.mail.message import sanitize_address
from django.utils.encoding import punycode
from django.utils.functional import cached_property

from . import mime


def message_id_domain() -> str:
    """The domain after the `@` of every Message-ID the portal writes."""
    domain = settings.EMAIL_MESSAGE_ID_DOMAIN or urlsplit(settings.SITE_URL).hostname or ""
    return punycode(domain)


class _SiteMessageId:
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        domain = message_id_domain()
        for message in email_messages:
            if not any(name.lower() == "message-id" for name in message.extra_headers):
                # A new dict: a caller's headers may be shared between its messages.
                message.extra_headers = {
                    **message.extra_headers,
                    "Message-ID": make_msgid(domain=domain),
                }
        return super().send_messages(email_messages)


class _PlainHeaders(Compat32):
    """compat32 (what Django's messages are written with), but a header that fits on its
    line in plain ASCII is written as it is, not through email.header.Header (whose output for
    it is the same: tests/test_mail_bytes.py)."""

    def _fold(self, name: str, value, sanitize: bool) -> str:
        line = mime.plain_line(name, value, self.linesep, self.max_line_length)
        return line if line is not None else super()._fold(name, value, sanitize)


_SMTP_LINES = _PlainHeaders(linesep="\r\n")


class SMTPBackend(_SiteMessageId, smtp.EmailBackend):
    """Django's SMTP backend, with the relay's certificate verified against EMAIL_SSL_CAFILE
    when it is set (STARTTLS or SSL), instead of the system's CA bundle, and the message
    written out with _PlainHeaders."""

    def __init__(self, *args, ssl_cafile: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ssl_cafile = settings.EMAIL_SSL_CAFILE if ssl_cafile is None else ssl_cafile

    @cached_property
    def ssl_context(self) -> ssl.SSLContext:
        if not self.ssl_cafile:
            return super().ssl_context
        context = ssl.create_default_context(cafile=self.ssl_cafile)
        if self.ssl_certfile or self.ssl_keyfile:
            context.load_cert_chain(self.ssl_certfile, self.ssl_keyfile)
        return context

    def _send(self, email_message: EmailMessage) -> bool:
        """Django's, but the message's bytes are written by cvms.mime (the common shape) or
        with _PlainHeaders."""
        if not email_message.recipients():
            return False
        encoding = email_message.encoding or settings.DEFAULT_CHARSET
        from_email = _sanitized(email_message.from_email, encoding)
        recipients = [_sanitized(address, encoding) for address in email_message.recipients()]
        data = mime.written(email_message, mime.new_boundary()) or _django_bytes(email_message)
        try:
            if _pipelines(self.connection):
                _pipelined_sendmail(self.connection, from_email, recipients, data)
            else:
                self.connection.sendmail(from_email, recipients, data)
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True


def _django_bytes(email_message: EmailMessage) -> bytes:
    """The message as Django writes it, with _PlainHeaders and our boundaries."""
    message = email_message.message()
    message.policy = _SMTP_LINES  # as_bytes() writes with the message's policy
    for part in message.walk():
        if part.is_multipart() and part.get_boundary() is None:
            part.set_boundary(mime.new_boundary())
    return message.as_bytes(linesep="\r\n")


# A bare address of ASCII letters, digits and the characters RFC 5322 allows unquoted.
_BARE_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
)


def _sanitized(address: str, encoding: str) -> str:
    """Django's sanitize_address, without parsing a bare ASCII address (it comes back as it
    is), and remembered for the others (a From repeats from message to message)."""
    if _BARE_ADDRESS.fullmatch(address):
        return address
    return _sanitize_remembered(address, encoding)


_sanitize_remembered = functools.lru_cache(maxsize=256)(sanitize_address)


def _pipelines(connection: smtplib.SMTP) -> bool:
    """Whether the relay takes the commands at once (Django has made every address ASCII)."""
    connection.ehlo_or_helo_if_needed()
    return connection.has_extn("pipelining")


def _pipelined_sendmail(
    connection: smtplib.SMTP, from_email: str, recipients: list[str], data: bytes
) -> dict[str, tuple[int, bytes]]:
    """smtplib's `sendmail`, with MAIL FROM, the RCPT TOs and DATA sent at once (RFC 2920): the
    same errors for the same answers (SMTPSenderRefused, SMTPRecipientsRefused when every
    recipient was refused, SMTPDataError), and the recipients refused when some were taken."""
    size = f" SIZE={len(data)}" if connection.has_extn("size") else ""
    commands = [f"MAIL FROM:{_quoted(from_email)}{size}"]
    commands += [f"RCPT TO:{_quoted(address)}" for address in recipients]
    connection.send("".join(f"{command}\r\n" for command in [*commands, "DATA"]))
    sender = connection.getreply()
    refused = {}
    for address in recipients:
        code, text = connection.getreply()
        if code not in (250, 251):
            refused[address] = (code, text)
    code, text = connection.getreply()  # to DATA
    if code == 354 and (sender[0] != 250 or len(refused) == len(recipients)):
        # A relay that took DATA though nothing may follow: an empty message, never sent.
        connection.send(b".\r\n")
        code, text = connection.getreply()
        code = 554
    if sender[0] != 250:
        connection.rset()
        raise smtplib.SMTPSenderRefused(*sender, from_email)
    if len(refused) == len(recipients):
        connection.rset()
        raise smtplib.SMTPRecipientsRefused(refused)
    if code != 354:
        connection.rset()
        raise smtplib.SMTPDataError(code, text)
    connection.send(_DOT_STUFFED.sub(b"..", data).removesuffix(b"\r\n") + b"\r\n.\r\n")
    code, text = connection.getreply()
    if code != 250:
        raise smtplib.SMTPDataError(code, text)
    return refused


def _quoted(address: str) -> str:
    """smtplib's quoteaddr, without parsing a bare ASCII address (`<address>` is what its
    parsing gives for one: tests/test_mail_pipelining.py)."""
    if _BARE_ADDRESS.fullmatch(address):
        return f"<{address}>"
    return smtplib.quoteaddr(address)


# A line starting with a dot gets a second one (RFC 5321 4.5.2), as smtplib's `data` does.
_DOT_STUFFED = re.compile(rb"(?m)^\.")


class FileBackend(_SiteMessageId, filebased.EmailBackend):
    """Django's file backend (development, or EMAIL_URL=filemail:///path on purpose), with
    the Message-ID the relay would get."""
