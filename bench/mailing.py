"""What the outbox benches (bench/outbox.py, bench/relay.py) share: Celery workers set up as
deployed, sending to the bench's SMTP server, on a queue of the bench's own, and the plain
files whose welcome emails they send. Import it after devsupport.setup_django()."""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

from cvms.celery import app
from devsupport.throwaway import health_card_key_file


def workers_send_to(email_url: str, cafile: str = "") -> None:
    """The workers read their settings from the environment (devsupport's
    start_worker_process passes this process's on): they send over SMTP to `email_url` (with
    `cafile` for its TLS), with DEBUG off as in production (DEBUG on keeps every statement in
    memory and costs each one), Redis only when REDIS_URL says so."""
    os.environ.update(
        EMAIL_URL=email_url,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="testserver",
        SINGLE_MACHINE="true",
        SHC_PRIVATE_KEY_FILE=health_card_key_file(),  # a worker with DEBUG off needs one
    )
    if cafile:
        os.environ["EMAIL_SSL_CAFILE"] = cafile


@contextlib.contextmanager
def own_queue() -> Iterator[str]:
    """A Celery queue of this bench's own (another bench or a developer's worker on the same
    broker takes nothing from it): the tasks this process sends go there meanwhile."""
    name = f"bench-{uuid.uuid4().hex}"
    app.conf.task_default_queue = name
    try:
        yield name
    finally:
        app.conf.task_default_queue = "celery"


def cpu_seconds(workers: list[subprocess.Popen]) -> float | None:
    """The CPU time (user + system) the worker processes used so far, their pool processes
    included: the live processes of their sessions (devsupport's start_worker_process starts
    each in a session of its own). Linux's /proc; None elsewhere.

    On a shared, busy machine the wall-clock rate says how long people wait; this says what
    an email costs the worker, whatever else the machine runs."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    sessions = {worker.pid for worker in workers}
    ticks = 0
    for stat in proc.glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):  # a process that ended meanwhile
            # After the ")" that ends the command's name: state, ppid, pgrp, session (field
            # 6), ..., utime and stime (fields 14 and 15).
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) in sessions:
                ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def broker() -> str:
    """The broker's kind, for the benches' headings ("redis", "filesystem"...)."""
    return app.conf.broker_url.split(":")[0]


def plain_file(run: str, rows: int, *, last_name: str, domain: str) -> bytes:
    """A recipient file of `rows` valid, distinct people whose emails go to `domain`."""
    lines = ["FirstName,LastName,Date of birth,Email"]
    lines += [
        f"Pat{n},{last_name}{run},{n % 12 + 1}/{n % 28 + 1}/19{40 + n % 50},r{run}x{n}@{domain}"
        for n in range(rows)
    ]
    return ("\r\n".join(lines) + "\r\n").encode()
