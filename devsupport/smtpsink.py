"""A real SMTP server on the loopback that counts what it is sent, for the outbox's bench and test.

It runs aiosmtpd in a thread of the calling process, so a worker process started with
EMAIL_URL=`server.url` delivers to it over SMTP as it would to the portal's mail server. Only
the count per recipient address and the delivery times are kept, never a message's body
(a welcome email holds a set-a-password link). Its `delay` makes it a slow relay.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from devsupport import free_port

HOST = "127.0.0.1"
# aiosmtpd logs every command at INFO, recipient addresses included: personal data, and a
# dozen lines per email that would slow the server the workers are measured against.
logging.getLogger("mail.log").setLevel(logging.WARNING)


class Deliveries:
    """What the server accepted: messages per address, first and last time, open sessions.

    `delay`, seconds, is how long the server thinks before it accepts each message (a slow
    relay); it can change while the server runs.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.delay = 0.0
        self.received: Counter[str] = Counter()
        self.first_at: float | None = None  # time.perf_counter() of the process
        self.last_at: float | None = None
        self.sessions = 0
        self.open_sessions = 0
        self.most_open_sessions = 0

    def reset(self) -> None:
        with self._lock:
            self.received = Counter()
            self.first_at = self.last_at = None
            self.sessions = self.most_open_sessions = 0

    @property
    def total(self) -> int:
        with self._lock:
            return self.received.total()

    def counts(self) -> Counter[str]:
        with self._lock:
            return Counter(self.received)

    def session_opened(self) -> None:
        with self._lock:
            self.sessions += 1
            self.open_sessions += 1
            self.most_open_sessions = max(self.most_open_sessions, self.open_sessions)

    def session_closed(self) -> None:
        with self._lock:
            self.open_sessions -= 1

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook
        if self.delay:
            await asyncio.sleep(self.delay)
        now = time.perf_counter()
        with self._lock:
            self.received.update(address.lower() for address in envelope.rcpt_tos)
            self.first_at = self.first_at or now
            self.last_at = now
        return "250 Message accepted for delivery"


class _CountedSMTP(SMTP):
    """aiosmtpd's SMTP protocol, telling the handler when a client connects and leaves."""

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self.event_handler.session_opened()

    def connection_lost(self, error) -> None:
        super().connection_lost(error)
        self.event_handler.session_closed()


class _Controller(Controller):
    def factory(self) -> SMTP:
        return _CountedSMTP(self.handler, **self.SMTP_kwargs)


@contextlib.contextmanager
def counting_smtp_server() -> Iterator[tuple[str, Deliveries]]:
    """A running server and what it received; yields (its EMAIL_URL, the deliveries)."""
    deliveries = Deliveries()
    controller = _Controller(deliveries, hostname=HOST, port=free_port(HOST))
    controller.start()
    try:
        yield f"smtp://{HOST}:{controller.port}", deliveries
    finally:
        controller.stop()
