"""The one pipeline: a recipient file's bytes in, its recipients created, an ImportResult out.

Every door a file comes in by (Low Volume, High Volume, the command line, the help desk) runs
it through the job (bulkupload.jobs), or calls it directly for a dry run:

    read and check the file as a whole (the engine; FileRejected before anything is written)
    → check each batch of rows (the engine)
    → create the batch's new recipients, accounts and welcome emails (the writer)
    → report: counts, each failed line's message, the error file (the engine's Tally), the
      people loaded at this location already reconciled rather than failed

No Celery and no job bookkeeping here: the job records the running results this yields.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future

from django.conf import settings
from django.utils import timezone

from providers.models import Location, User
from recipients.models import Recipient
from recipients.placeholders import is_placeholder_email

from .collector import import_scope
from .engine import (
    BATCH_SIZE,
    Batch,
    Header,
    ImportResult,
    Person,
    Tally,
    duplicate_error,
    nobody,
    validate_file,
)
from .engine.cleaning import CleanRow
from .models import Upload
from .writer import BatchWriter, loaded_people


def import_file(
    data: bytes,
    *,
    location: Location | None,
    user: User | None,
    upload: Upload | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Check the file, create its new recipients batch by batch, and report.

    Raises FileRejected, before anything is written, for a whole-file problem. A crash
    part-way leaves the batches already written in place, each one whole. A dry run writes
    nothing and needs no location.
    """
    *_, result = import_batches(data, location=location, user=user, upload=upload, dry_run=dry_run)
    return result


def import_batches(
    data: bytes,
    *,
    location: Location | None,
    user: User | None,
    upload: Upload | None = None,
    dry_run: bool = False,
) -> Iterator[ImportResult]:
    """import_file, step by step: the running result once the file passed the whole-file
    checks (its rows counted, nothing written), after each batch, and at the end with the
    error file. The job records each as progress. The garbage collector walks only what the
    import makes meanwhile (bulkupload.collector)."""
    with import_scope():
        yield from _steps(data, location=location, user=user, upload=upload, dry_run=dry_run)


def _steps(
    data: bytes,
    *,
    location: Location | None,
    user: User | None,
    upload: Upload | None,
    dry_run: bool,
) -> Iterator[ImportResult]:
    source = upload.source if upload is not None else Upload.Source.COMMAND_LINE
    validation = validate_file(
        data,
        max_rows=Upload.max_rows_for(source),
        max_bytes=settings.UPLOAD_MAX_BYTES,
        today=timezone.localdate(),
        # A dry run asks the database who is loaded already; an import learns it from its
        # own inserts (writer.py), so it asks nobody first.
        existing=loaded_people if dry_run else nobody,
    )
    tally = Tally(
        validation.header,
        validation.rows,
        dry_run=dry_run,
        examples=validation.examples,
        location=location.pk if location is not None else None,
    )
    yield tally.result
    if dry_run:
        for batch in validation.batches:
            yield tally.add(batch.rows, batch.errors, placeholder_emails=_placeholders(batch.rows))
        yield tally.close()
        return
    assert location is not None, "only a dry run needs no location"
    # A job taken over after its worker died runs the file again: the people it created the
    # first time are counted as created, not written again (nor reported as duplicates).
    mine = _created_by(upload)
    batches = -(-validation.rows // BATCH_SIZE)  # rounded up
    with BatchWriter(location=location, user=user, upload=upload, batches=batches) as writer:
        # Batches being written while the next ones are checked, reported in file order.
        pending: deque[tuple[Batch, Future]] = deque()
        try:
            for batch in validation.batches:
                rows = [row for row in batch.rows if row.person not in mine]
                pending.append((batch, writer.submit(rows)))
                if len(pending) > writer.in_flight:
                    yield _tallied(tally, validation.header, mine, *pending.popleft())
            while pending:
                yield _tallied(tally, validation.header, mine, *pending.popleft())
        except Exception:
            # What was written is counted before the error goes on: batches being written
            # meanwhile finish, each one whole, and those not started yet are not written.
            for batch, future in pending:
                if not future.cancel() and future.exception() is None:
                    yield _tallied(tally, validation.header, mine, batch, future)
            raise
    yield tally.close()


def _tallied(
    tally: Tally, header: Header, mine: set[Person], batch: Batch, written: Future
) -> ImportResult:
    """The running result with one more batch: its rows created, its failures and the people
    loaded already (duplicates, which the tally reconciles when they are loaded here)."""
    outcome = written.result()
    earlier = [row for row in batch.rows if row.person in mine]
    duplicates = [
        duplicate_error(row, header, loaded=outcome.loaded.get(row.person))
        for row in outcome.duplicates
    ]
    return tally.add(
        outcome.created + earlier,
        batch.errors + duplicates,
        placeholder_emails=outcome.not_emailed + _placeholders(earlier),
    )


def _placeholders(rows: list[CleanRow]) -> int:
    """How many of these rows have a placeholder address (sent no welcome email)."""
    return sum(1 for row in rows if is_placeholder_email(row.email))


def _created_by(upload: Upload | None) -> set[Person]:
    """The people an upload created already: only a job taken over after its worker died
    (a second attempt) can have any."""
    if upload is None or upload.attempts < 2:
        return set()
    return set(
        Recipient.objects.active()
        .filter(upload=upload)
        .values_list("first_name_key", "last_name_key", "date_of_birth")
    )
