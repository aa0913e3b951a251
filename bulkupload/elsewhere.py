"""People loaded at other locations: one limit and one audit for every door that reports them.

The guide's rule is that a person is loaded once in the whole system, so a file's row for
someone loaded at another location fails as "Duplicated <email>": whoever reads the result
learns that the person is registered somewhere (never where). Every door that shows such a
result to a person counts the files that found anybody elsewhere against that person's
PREVIEW_ELSEWHERE_RATE and records them in the audit trail (who, when, how many; never whom):

- Low Volume: the manager, at preview and at each re-check of typed corrections;
- High Volume: the manager, before the file is kept (past the limit it is refused whole:
  nothing is created, nothing lost silently, and the manager is told when to upload it again);
- the help desk: the requester, who reads the failed records of their case's file, counted
  when staff process it (past the limit staff are told to wait).

The command line is an operator's, on the server: not limited.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import SimpleNamespace

from django.conf import settings
from django.utils import timezone
from django_ratelimit.core import get_usage

from audit.models import AuditEvent
from audit.trail import record
from providers.models import Location, User

from .engine import DuplicateRow, FileRejected, validate_file
from .models import Upload
from .writer import loaded_people

RATE_GROUP = "bulkupload.preview_found_elsewhere"


class FoundElsewhereTooOften(FileRejected):
    """Too many of this person's recent files found people loaded at other locations; they may
    try again in `minutes`."""

    def __init__(self, message: str, *, minutes: int) -> None:
        super().__init__(message)
        self.minutes = minutes


@dataclass(frozen=True)
class FileCheck:
    rows: int  # below the header
    found_elsewhere: int  # rows whose person is loaded at another location


def check_file_for_elsewhere(data: bytes, location: Location, *, source: str) -> FileCheck:
    """The file's whole-file checks (FileRejected) and how many of its rows name people loaded
    at other locations than `location`. Writes nothing; one query per batch (which says where
    each person found is loaded)."""
    validation = validate_file(
        data,
        max_rows=Upload.max_rows_for(source),
        max_bytes=settings.UPLOAD_MAX_BYTES,
        today=timezone.localdate(),
        existing=loaded_people,
    )
    elsewhere = sum(
        1
        for batch in validation.batches
        for error in batch.errors
        if isinstance(error, DuplicateRow)
        and error.loaded is not None
        and error.loaded.location != location.pk
    )
    return FileCheck(validation.rows, elsewhere)


def allow_finding_elsewhere(user: User, found: int, *, target: str, note: str = "") -> None:
    """Count a file that found people loaded at other locations against the person's
    PREVIEW_ELSEWHERE_RATE; past it, record the refusal and raise FoundElsewhereTooOften.

    django-ratelimit counts in the cache shared by every web process and worker; it keys by
    the request's user, and a door has the person, not a request, so it is handed the person
    alone.
    """
    if not found:
        return
    usage = get_usage(
        SimpleNamespace(user=user),
        group=RATE_GROUP,
        key="user",
        rate=settings.PREVIEW_ELSEWHERE_RATE,
        increment=True,
    )
    if usage is None or not usage["should_limit"]:
        return
    record(
        AuditEvent.Action.PREVIEW_REFUSED,
        actor=user,
        target=target,
        detail=f"{found} {_rows(found)} matched people loaded at other locations; over "
        f"PREVIEW_ELSEWHERE_RATE ({settings.PREVIEW_ELSEWHERE_RATE})",
    )
    minutes = _minutes(usage["time_left"])
    raise FoundElsewhereTooOften(
        "Too many of your recent files found people already loaded at other locations: to "
        f"protect their privacy, such files can be checked {usage['limit']} times in a while. "
        f"Try again in {minutes} minute{'s' if minutes != 1 else ''}.{note}",
        minutes=minutes,
    )


def record_found_elsewhere(user: User, found: int, *, target: str) -> None:
    """Who, when and how many: never whom."""
    if found:
        record(
            AuditEvent.Action.PREVIEW_FOUND_ELSEWHERE,
            actor=user,
            target=target,
            detail=f"{found} {_rows(found)} matched people loaded at other locations",
        )


def _minutes(seconds: float) -> int:
    return max(1, math.ceil(seconds / 60))


def _rows(count: int) -> str:
    return "row" if count == 1 else "rows"
