"""Several SMTP sessions at once for one sender: a relay takes each message in a few
milliseconds of its own (Postfix's cleanup writes and syncs a queue file), so one session at a
time leaves it idle most of the time; smtp-source, Postfix's load generator, uses ten.

Composing stays in the sender's thread (it reads the database); each session is a thread of
its own with its own connection, kept open for the sender's slice (with STARTTLS, one TLS
handshake per session per slice, not per batch). What must follow the relay's "accepted" at
once (the sender marks the email) may run in the session's thread too (`then`), before it
takes the next message: so each session has at most one message accepted and not yet marked,
and the marks of several sessions wait for the database side by side, not one after another.
A session thread's own database connection is closed with the session.
"""

from __future__ import annotations

import queue
import smtplib
import threading
from collections.abc import Callable
from concurrent.futures import Future

from django.core.mail import EmailMessage, get_connection
from django.db import connections


class ThenFailed(Exception):
    """The relay accepted the message, and what was to follow (`then`) raised: the cause."""


class Sessions:
    def __init__(self, count: int) -> None:
        self.count = max(1, count)
        self._connections = [get_connection() for _ in range(self.count)]
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        # One session: sent in the caller's thread, as before there were several.
        self._threads = [
            threading.Thread(target=self._session, args=(connection,), name=f"smtp-{number}")
            for number, connection in enumerate(self._connections)
            if self.count > 1
        ]
        for thread in self._threads:
            thread.start()

    @property
    def threaded(self) -> bool:
        """Whether `then` runs in a thread other than the caller's."""
        return bool(self._threads)

    def __enter__(self) -> Sessions:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def open(self) -> None:
        """Reach the relay now (raises if it cannot be reached): before anything is claimed."""
        self._connections[0].open()

    def submit(self, message: EmailMessage, then: Callable[[], None] | None = None) -> Future:
        """Send `message` over a free session, then call `then` (if the relay accepted it) in
        that session's thread; the future's exception is the relay's answer when it refused
        (smtplib's), or ThenFailed from what `then` raised; its result None."""
        future: Future = Future()
        if self._threads:
            self._jobs.put((message, then, future))
        else:
            _run(self._connections[0], message, then, future)
        return future

    def close(self) -> None:
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join()
        for connection in self._connections:
            connection.close()

    def _session(self, connection) -> None:
        try:
            while (job := self._jobs.get()) is not None:
                _run(connection, *job)
        finally:
            connections.close_all()  # this thread's own, if `then` used the database


def _run(connection, message: EmailMessage, then: Callable[[], None] | None, future: Future):
    future.set_running_or_notify_cancel()
    try:
        _send(connection, message)
    except BaseException as error:
        future.set_exception(error)
        return
    try:
        if then is not None:
            then()
    except BaseException as error:
        failed = ThenFailed(str(error))
        failed.__cause__ = error
        future.set_exception(failed)
    else:
        future.set_result(None)


def _send(connection, message: EmailMessage) -> None:
    connection.open()  # nothing when it is open already
    message.connection = connection
    try:
        message.send()
    except smtplib.SMTPServerDisconnected:
        # The relay closed a session left idle between batches: once more, afresh.
        connection.close()
        connection.open()
        message.send()
