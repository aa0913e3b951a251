"""Write one batch while the engine reads and checks the next.

An import spends its time in two places that can run at once: Python reading, cleaning and
checking rows, and PostgreSQL writing the rows of the batch before. On PostgreSQL, for a file
of several batches, the writes go to a thread of their own with its own database connection,
one batch behind the engine: the database works while Python does. Batches are still written
one at a time and in order, each in its own transaction, and a batch that fails stops every
batch after it, as when they are written in turn.

The writer's connection cannot see what the caller's connection has not committed, so an
import inside a transaction (a test case, a caller's atomic block) writes in turn, on the
caller's connection, as does SQLite (one writer at a time).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from django.db import connections

from .writer import can_write_on_a_connection_of_its_own

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")


def can_overlap(batches: int) -> bool:
    """Whether writing in a thread of its own pays, and is safe, for this many batches."""
    return batches > 1 and can_write_on_a_connection_of_its_own()


def written(
    items: Iterable[Item], write: Callable[[Item], Outcome], *, overlap: bool
) -> Iterator[Outcome]:
    """What write(item) returned for each item, in order; writes overlap reading if asked."""
    if not overlap:
        for item in items:
            yield write(item)
        return
    writer = _StoppingWriter(write)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-writer")
    pending: Future[Outcome] | None = None
    try:
        for item in items:
            # At most one batch written and one waiting: memory stays bounded.
            future = pool.submit(writer, item)
            if pending is not None:
                yield pending.result()
            pending = future
        if pending is not None:
            future, pending = pending, None
            yield future.result()
    finally:
        writer.stopped.set()  # reading stopped early (an error, a consumer gone): write no more
        # The writer thread's own connection, closed by that thread.
        pool.submit(connections.close_all).result()
        pool.shutdown()


class _StoppingWriter:
    """write(item), unless an earlier write failed: the batch queued behind a failed one must
    not be written."""

    def __init__(self, write: Callable[[Item], Outcome]) -> None:
        self.write = write
        self.stopped = threading.Event()

    def __call__(self, item: Item) -> Outcome:
        if self.stopped.is_set():
            # Not reached by the caller, who gets the earlier batch's error first.
            raise RuntimeError("Not written: an earlier batch failed.")
        try:
            return self.write(item)
        except BaseException:
            self.stopped.set()
            raise
