"""The bytes of an email of the common shape (a text body and text alternatives, no
attachments, UTF-8, every header short and plain once Django has checked it), written
directly rather than through the standard library's MIME objects.

For a welcome email, building Django's MIME objects and writing them out was half of the
worker's own time per email (py-spy, bench/README.md "Sending through Postfix"): a tree of
objects with their headers parsed and folded again, for bytes whose shape never changes.
`written` writes the same bytes (tests/test_mail_bytes.py compares them with Django's for
any such message), and returns None for any other shape, which Django writes as before.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Iterator
from email.policy import compat32
from email.utils import formatdate, make_msgid

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.message import (
    DNS_NAME,
    RFC5322_EMAIL_LINE_LENGTH_LIMIT,
    forbid_multi_line_headers,
)

CRLF = "\r\n"
# compat32's line length: a longer header it folds.
_LINE_LENGTH = compat32.max_line_length
_PLAIN_TYPES = frozenset({EmailMessage, EmailMultiAlternatives})


def written(message: EmailMessage, boundary: str) -> bytes | None:
    """What `message.message().as_bytes(linesep="\\r\\n")` gives with cvms.mail's policy and
    `boundary` (of `new_boundary()`'s shape) for a multipart message; None when the message
    is not of the common shape."""
    parts = _parts(message)
    if parts is None:
        return None
    headers = [plain_line(name, value) for name, value in _headers(message)]
    if None in headers:
        return None
    if len(parts) == 1:
        ((text, subtype),) = parts
        return _joined([*_part_headers(text, subtype), *headers], text)
    separator = f"{CRLF}--{boundary}{CRLF}".encode()
    body = separator.join(_joined(_part_headers(text, subtype), text) for text, subtype in parts)
    content_type = _multipart_type(message.alternative_subtype).replace(_PLACEHOLDER, boundary)
    return b"".join(
        [
            "".join([content_type, f"MIME-Version: 1.0{CRLF}", *headers, CRLF]).encode(),
            f"--{boundary}{CRLF}".encode(),
            body,
            f"{CRLF}--{boundary}--{CRLF}".encode(),
        ]
    )


def _parts(message: EmailMessage) -> list[tuple[str, str]] | None:
    """The (text, subtype) of each part, the body first; None unless the shape is common."""
    if type(message) not in _PLAIN_TYPES or message.attachments or not message.body:
        return None
    if (message.encoding or settings.DEFAULT_CHARSET) != "utf-8":
        return None
    parts = [(message.body, message.content_subtype)]
    for content, mimetype in getattr(message, "alternatives", []):
        basetype, _, subtype = str(mimetype).partition("/")
        if basetype != "text" or not isinstance(content, str):
            return None
        parts.append((content, subtype))
    if not all(isinstance(text, str) and _fits_8bit(text) for text, _ in parts):
        return None
    return parts


def _fits_8bit(text: str) -> bool:
    """Whether Django writes `text` as it is (7bit or 8bit): valid UTF-8 with no line over
    998 bytes (a longer one it writes quoted-printable; the test is Django's own)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    # A line of 249 characters or fewer is 996 bytes or fewer, whatever they are.
    return all(
        len(line) <= RFC5322_EMAIL_LINE_LENGTH_LIMIT // 4
        or len(line.encode()) <= RFC5322_EMAIL_LINE_LENGTH_LIMIT
        for line in text.splitlines()
    )


def _headers(message: EmailMessage) -> Iterator[tuple[str, str]]:
    """The message's headers in Django's order, each as Django checks and encodes it."""
    encoding = message.encoding or settings.DEFAULT_CHARSET
    extra = message.extra_headers
    yield _subject(str(message.subject), encoding)
    yield forbid_multi_line_headers("From", extra.get("From", message.from_email), encoding)
    for name, values in (("To", message.to), ("Cc", message.cc), ("Reply-To", message.reply_to)):
        if name in extra:
            yield forbid_multi_line_headers(name, extra[name], encoding)
        elif values:
            yield forbid_multi_line_headers(name, ", ".join(map(str, values)), encoding)
    names = {name.lower() for name in extra}
    if "date" not in names:
        yield "Date", formatdate(localtime=settings.EMAIL_USE_LOCALTIME)
    if "message-id" not in names:
        yield "Message-ID", make_msgid(domain=DNS_NAME)
    for name, value in extra.items():
        if name.lower() not in {"from", "to", "cc", "reply-to"}:
            yield forbid_multi_line_headers(name, value, encoding)


@functools.lru_cache(maxsize=64)
def _subject(subject: str, encoding: str) -> tuple[str, str]:
    # Django folds a subject through email.header.Header: the same few, once each.
    return forbid_multi_line_headers("Subject", subject, encoding)


def plain_line(
    name: str, value: object, linesep: str = CRLF, max_length: int = _LINE_LENGTH
) -> str | None:
    """The header's line where compat32 writes it as it is (a short line of plain ASCII, for
    which email.header.Header gives the same: tests/test_mail_bytes.py), else None."""
    if (
        isinstance(value, str)
        and value.isascii()
        and len(name) + 2 + len(value) <= max_length
        and "\n" not in value
        and "\r" not in value
        and value == value.strip()
    ):
        return f"{name}: {value}{linesep}"
    return None


def _part_headers(text: str, subtype: str) -> list[str]:
    encoding = "7bit" if text.isascii() else "8bit"
    return [
        f'Content-Type: text/{subtype}; charset="utf-8"{CRLF}',
        f"MIME-Version: 1.0{CRLF}",
        f"Content-Transfer-Encoding: {encoding}{CRLF}",
    ]


def _joined(header_lines: list[str], text: str) -> bytes:
    """A part: its header lines, a blank line, its text with every line end CRLF (the
    standard library's line ends, email.generator.NLCRE: CRLF, CR or LF)."""
    text = text.replace(CRLF, "\n").replace("\r", "\n").replace("\n", CRLF)
    return "".join([*header_lines, CRLF, text]).encode()


def new_boundary() -> str:
    """A multipart boundary in the standard library's shape (and so with its folding), drawn
    from `secrets`: 63 random bits no text can guess, and no regular expression compiled to
    check the text does not hold it, as the standard library does for each message."""
    return _boundary_of(secrets.randbelow(10**19))


def _boundary_of(number: int) -> str:
    return f"==============={number:019d}=="


# Every boundary has this length, so the Content-Type line is folded the same way for each.
_PLACEHOLDER = _boundary_of(0)


@functools.lru_cache(maxsize=8)
def _multipart_type(subtype: str) -> str:
    """The multipart Content-Type line as compat32 folds it (too long to be written as it
    is), for a boundary of `new_boundary()`'s shape."""
    return compat32.clone(linesep=CRLF).fold(
        "Content-Type", f'multipart/{subtype}; boundary="{_PLACEHOLDER}"'
    )
