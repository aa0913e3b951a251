"""Several SMTP sessions at once for one sender: a relay takes each message in a few
milliseconds of its own (Postfix's cleanup writes and syncs a queue file), so one session at a
time leaves it idle most of the time; smtp-source, Postfix's load generator, uses ten.

Composing stays in the sender's thread (it reads the database); each session is a thread of
its own with its own connection, kept open for the sender's slice (with STARTTLS, one TLS
handshake per session per slice, not per batch).

What must follow the relay's "accepted" (the sender marks the email) is done by one marking
thread with a database connection of its own, for every message accepted since its last
commit at once (`mark`): a session hands its accepted message over and takes the next one
without waiting for the database, and a mailing costs one commit per handful of emails
instead of one per email. A caller keeps at most `capacity` messages submitted and not yet
settled (waiting for a session, being sent, or waiting for their mark): so at most that many
are accepted and not yet marked at any instant (README, "Which email can be sent twice").
"""

from __future__ import annotations

import queue
import smtplib
import threading
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future

from django.core.mail import EmailMessage, get_connection
from django.db import connections

Mark = Callable[[Sequence[Hashable]], None]


class MarkFailed(Exception):
    """The relay accepted the message, and marking it (`mark`) raised: the cause."""


class Sessions:
    def __init__(self, count: int, mark: Mark | None = None) -> None:
        self.count = max(1, count)
        self._mark = mark
        self._connections = [get_connection() for _ in range(self.count)]
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._accepted: queue.SimpleQueue = queue.SimpleQueue()
        # One session: sent in the caller's thread, as before there were several.
        self._threads = [
            threading.Thread(target=self._session, args=(connection,), name=f"smtp-{number}")
            for number, connection in enumerate(self._connections)
            if self.count > 1
        ]
        self._marker = (
            threading.Thread(target=self._marking, name="smtp-marks")
            if self._threads and mark is not None
            else None
        )
        for thread in [*self._threads, *filter(None, [self._marker])]:
            thread.start()

    @property
    def threaded(self) -> bool:
        """Whether accepted messages are marked in a thread other than the caller's."""
        return self._marker is not None

    @property
    def capacity(self) -> int:
        """How many submitted messages a caller marking through the sessions keeps unsettled:
        one in each session and one more each, queued or waiting for its mark, so that no
        session waits for the caller or for the database."""
        return 2 * self.count if self.threaded else self.count

    def __enter__(self) -> Sessions:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def open(self) -> None:
        """Reach the relay now (raises if it cannot be reached): before anything is claimed."""
        self._connections[0].open()

    def submit(self, message: EmailMessage, mark: Hashable | None = None) -> Future:
        """Send `message` over a free session; with `mark` (and a marking thread), hand it to
        `mark` once the relay accepted it. The future's exception is the relay's answer when it
        refused (smtplib's), or MarkFailed from what marking raised; its result None, set once
        the message is marked."""
        future: Future = Future()
        if self._threads:
            self._jobs.put((message, mark if self.threaded else None, future))
        else:
            self._run(self._connections[0], message, None, future)
        return future

    def close(self) -> None:
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join()
        if self._marker is not None:
            self._accepted.put(None)  # after every session's last message
            self._marker.join()
        for connection in self._connections:
            connection.close()

    def _session(self, connection) -> None:
        while (job := self._jobs.get()) is not None:
            self._run(connection, *job)

    def _run(self, connection, message: EmailMessage, mark: Hashable | None, future: Future):
        future.set_running_or_notify_cancel()
        try:
            _send(connection, message)
        except BaseException as error:
            future.set_exception(error)
            return
        if mark is None:
            future.set_result(None)
        else:
            self._accepted.put((mark, future))

    def _marking(self) -> None:
        """Mark what the sessions handed over, all that waits at once, until told to stop."""
        try:
            stop = False
            while not stop:
                accepted = [self._accepted.get()]
                while not self._accepted.empty():
                    accepted.append(self._accepted.get())
                stop = None in accepted
                self._marked([item for item in accepted if item is not None])
        finally:
            connections.close_all()  # this thread's own

    def _marked(self, accepted: list[tuple[Hashable, Future]]) -> None:
        if not accepted:
            return
        try:
            self._mark([mark for mark, _ in accepted])
        except BaseException as error:
            for _, future in accepted:
                failed = MarkFailed(str(error))
                failed.__cause__ = error
                future.set_exception(failed)
            return
        for _, future in accepted:
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
