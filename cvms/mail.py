"""The email backends every email leaves through: the outbox's, Django's password resets and
its error reports to ADMINS alike. Settings pick them for the backend EMAIL_URL names.

Three things Django's own backends get wrong for us:

- Django writes `Message-ID: <…@host>` with the machine's name, which in a container is
  `localhost` or a random id; spam filters count that against a message. Ours carry the
  portal's own domain (EMAIL_MESSAGE_ID_DOMAIN, else SITE_URL's host).
- A state's relay often has a certificate from the state's own CA, which the system's CA
  bundle does not know: EMAIL_SSL_CAFILE names the bundle that verifies it.
- Writing a message out, the standard library's compat32 policy folds every header through
  email.header.Header, even a short ASCII one that needs no folding: half the time a welcome
  email's bytes took, for the same bytes. Ours writes those as they are (the rest as before).
"""

from __future__ import annotations

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
        if (
            isinstance(value, str)
            and value.isascii()
            and len(name) + 2 + len(value) <= self.max_line_length
            and "\n" not in value
            and "\r" not in value
            and value == value.strip()
        ):
            return f"{name}: {value}{self.linesep}"
        return super()._fold(name, value, sanitize)


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
        """Django's, but the message's bytes are written with _PlainHeaders."""
        if not email_message.recipients():
            return False
        encoding = email_message.encoding or settings.DEFAULT_CHARSET
        from_email = sanitize_address(email_message.from_email, encoding)
        recipients = [sanitize_address(addr, encoding) for addr in email_message.recipients()]
        message = email_message.message()
        message.policy = _SMTP_LINES  # as_bytes() writes with the message's policy
        try:
            self.connection.sendmail(from_email, recipients, message.as_bytes(linesep="\r\n"))
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True


class FileBackend(_SiteMessageId, filebased.EmailBackend):
    """Django's file backend (development, or EMAIL_URL=filemail:///path on purpose), with
    the Message-ID the relay would get."""
