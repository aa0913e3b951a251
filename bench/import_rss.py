"""One import in a process of its own, for its peak resident memory (bench/run.py runs it).

    DATABASE_URL=... .venv/bin/python bench/import_rss.py FILE LOCATION_PIN USER_EMAIL

Prints one line of JSON: the process's resident memory once Django is set up, and the
process's peak resident memory after the import, in MB. A process of its own, so nothing
measured before (the bench's other files, its own bookkeeping) counts towards the figure.
"""

from __future__ import annotations

import json
import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from devsupport import setup_django  # noqa: E402

setup_django()

from django.conf import settings  # noqa: E402

from bulkupload.pipeline import import_file  # noqa: E402
from devsupport.throwaway import bench_upload, send_no_tasks  # noqa: E402
from providers.models import Location, User  # noqa: E402

send_no_tasks()
settings.HIGH_VOLUME_MAX_ROWS = 10**6
settings.UPLOAD_MAX_BYTES = 1 << 30


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> float:
    """The resident memory now (Linux): VmRSS of /proc/self/status."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return _peak_rss_mb()


def main() -> None:
    path, pin, email = sys.argv[1:4]
    location = Location.objects.get(pin=pin)
    user = User.objects.get(email=email)
    upload = bench_upload(location, user, Path(path).name)
    ready = _rss_mb()
    result = import_file(Path(path).read_bytes(), location=location, user=user, upload=upload)
    peak = _peak_rss_mb()
    print(json.dumps({"ready_mb": ready, "peak_mb": peak, "created": result.created}))


if __name__ == "__main__":
    main()
