"""Several SMTP sessions at once for one sender: a relay takes each message in a few
milliseconds of its own (Postfix's cleanup writes and syncs a queue file), so one session at a
time leaves it idle most of the time; smtp-source, Postfix's load generator, uses ten.

Composing stays in the sender's thread (it reads the database); these threads only talk SMTP,
each over a connection of its own, kept open for the sender's slice (with STARTTLS, one TLS
handshake per session per slice, not per batch).
"""

from __future__ import annotations

import queue
import smtplib
from concurrent.futures import Future, ThreadPoolExecutor

from django.core.mail import EmailMessage, get_connection


class Sessions:
    def __init__(self, count: int) -> None:
        self.count = max(1, count)
        self._connections = [get_connection() for _ in range(self.count)]
        self._free: queue.SimpleQueue = queue.SimpleQueue()
        for connection in self._connections:
            self._free.put(connection)
        # One session: sent in the caller's thread, as before there were several.
        self._pool = (
            ThreadPoolExecutor(self.count, thread_name_prefix="smtp") if self.count > 1 else None
        )

    def __enter__(self) -> Sessions:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def open(self) -> None:
        """Reach the relay now (raises if it cannot be reached): before anything is claimed."""
        self._connections[0].open()

    def submit(self, message: EmailMessage) -> Future:
        """Send `message` over a free session; the future's exception is the relay's answer
        when it refused (smtplib's), None when it accepted."""
        if self._pool is not None:
            return self._pool.submit(self._send, message)
        future: Future = Future()
        try:
            self._send(message)
        except Exception as error:
            future.set_exception(error)
        else:
            future.set_result(None)
        return future

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        for connection in self._connections:
            connection.close()

    def _send(self, message: EmailMessage) -> None:
        connection = self._free.get()
        try:
            connection.open()  # nothing when it is open already
            message.connection = connection
            try:
                message.send()
            except smtplib.SMTPServerDisconnected:
                # The relay closed a session left idle between batches: once more, afresh.
                connection.close()
                connection.open()
                message.send()
        finally:
            self._free.put(connection)
