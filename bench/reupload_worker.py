"""One round of bench/reupload.py, in a process of its own, on the code of one tree.

    DATABASE_URL=... python bench/reupload_worker.py CODE_ROOT FILE PEOPLE PIN EMAIL UPLOAD RUNS

CODE_ROOT is the checkout whose code is measured (this one, or the previous main's, exported
by bench/reupload.py); the database is the parent's throwaway one, migrated by this checkout
(a superset of the previous main's schema: the import writes no column the base lacks).
PEOPLE is a JSON file of the people loaded before each run (as bench/run.py seeds them).
Prints one line of JSON: the seconds of each fresh import and of each re-upload of the same
file, every run starting from the same state (no recipients but the bench's 50 loaded ones).
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path

CODE_ROOT = Path(sys.argv[1]).resolve()
sys.path.insert(0, str(CODE_ROOT))
from devsupport import setup_django  # noqa: E402 - the measured tree's own

setup_django()

from django.conf import settings  # noqa: E402
from slate import clean_slate, seed_loaded  # noqa: E402 - bench/slate.py, this checkout's

from bulkupload.models import Upload  # noqa: E402
from bulkupload.pipeline import import_file  # noqa: E402
from providers.models import Location, User  # noqa: E402

settings.DEBUG = False  # as the parent's throwaway database has it: no statement log
settings.HIGH_VOLUME_MAX_ROWS = 10**6
settings.UPLOAD_MAX_BYTES = 1 << 30


def _timed(data: bytes, **where) -> float:
    start = time.perf_counter()
    import_file(data, **where)
    return time.perf_counter() - start


def main() -> None:
    path, people, pin, email, upload_id, runs = sys.argv[2:8]
    data = Path(path).read_bytes()
    loaded = json.loads(Path(people).read_text())
    location = Location.objects.get(pin=pin)
    user = User.objects.get(email=email)
    where = {"location": location, "user": user, "upload": Upload.objects.get(pk=upload_id)}
    fresh, again = [], []
    for _ in range(int(runs)):
        clean_slate([user.pk])
        seed_loaded(location, loaded)
        gc.collect()
        fresh.append(_timed(data, **where))
        # The same file once more, every valid row's person now loaded (not analyzed since:
        # the statistics of a table filled minutes ago, as a manager's re-upload meets them).
        again.append(_timed(data, **where))
    print(json.dumps({"fresh": fresh, "again": again}))


if __name__ == "__main__":
    main()
