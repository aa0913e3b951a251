"""Python's garbage collector during an import: it walks only what the import made.

An import allocates a few hundred thousand short-lived containers per 5,000-row file (the
rows, their cleaned values, the writer's columns). Reference counting frees them as they go,
but they still set off the cyclic collector, and every few files one of its collections is a
full one, which walks every object of the process: Django's, the migrations a command loaded,
a long-lived worker's. Measured (bench/README.md, issue 27, fifth pass): in the placeholder
step of bench/shared_addresses.py a full collection took 75-84 ms of a 0.3-0.4 s import, in
every fourth file or so, and those were the slow files; with this, no full collection fell in
an import and the collector took 3-8 ms per file.

`import_scope()`: while an import runs, the objects that were there before it are set aside
(`gc.freeze`: the collector skips them; nothing is copied or moved, only listed apart), so a
collection walks the import's own objects only. They are handed back (`gc.unfreeze`) when the
last import running in the process ends, and collected as before from then on: garbage from
before an import waits for its end, nothing more.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Imports:
    """How many imports run in this process now (a web process may run one per thread)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0

    def enter(self) -> None:
        with self.lock:
            if self.running == 0:
                gc.freeze()
            self.running += 1

    def leave(self) -> None:
        with self.lock:
            self.running -= 1
            if self.running == 0:
                gc.unfreeze()


_IMPORTS = _Imports()


@contextmanager
def import_scope() -> Iterator[None]:
    """Within: the collector walks only objects made since the first running import began."""
    _IMPORTS.enter()
    try:
        yield
    finally:
        _IMPORTS.leave()
