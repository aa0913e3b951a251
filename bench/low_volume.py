"""Low Volume at the server: a 100-row file from upload to review page, and from Create
Records to the alert (emails excluded: they are sent by the worker afterwards).

    .venv/bin/python bench/low_volume.py [--runs 7]

Uses a throwaway database next to the one DATABASE_URL names, like bench/run.py. Server time
is measured around Django's test client (no network, no browser), median of --runs.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from devsupport import setup_django  # noqa: E402

setup_django()

import sql  # noqa: E402 - bench/sql.py
from django.test import Client  # noqa: E402

from bulkupload.models import Upload  # noqa: E402
from devsupport.throwaway import bench_manager, send_no_tasks, throwaway_database  # noqa: E402

# Emails are the worker's job, after the alert: the bench leaves them in the outbox (and so
# never leaves messages for a developer's running worker in the broker).
send_no_tasks()

FIRST = ["José", "Zoë", "Ann", "Mary", "John", "Siobhán", "Nguyễn", "Robert", "Linda", "Omar"]
LAST = ["Álvarez", "O'Brien", "Smith-Jones", "Lee", "St. John", "Garcia", "Nguyen", "Okafor"]


def make_file(run: int, rows: int = 100) -> bytes:
    lines = ["FirstName,LastName,Date of birth,Email"]
    for n in range(rows):
        first, last = FIRST[n % len(FIRST)], LAST[n % len(LAST)]
        born = f"{n % 12 + 1}/{n % 28 + 1}/{1940 + run}"
        email = f"person{run}x{n}@example.com" if n % 17 else "bademail"
        lines.append(f"{first}{n},{last},{born},{email}")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    with throwaway_database("bench_low_volume"):
        manager = bench_manager("NCA659998")
        client = Client()
        client.force_login(manager)

        to_review, to_alert = [], []
        for run in range(args.runs + 1):  # the first run warms up
            data = io.BytesIO(make_file(run))
            data.name = f"staff-{run}.csv"
            started = time.perf_counter()
            response = client.post("/bulk-registration/upload/", {"file": data}, follow=True)
            reviewed = time.perf_counter()
            assert response.status_code == 200 and b"Review your data" in response.content
            upload = Upload.objects.latest("id")
            response = client.post(f"/bulk-registration/review/{upload.pk}/create/", follow=True)
            alerted = time.perf_counter()
            assert b"successful-count" in response.content
            if run:
                to_review.append(reviewed - started)
                to_alert.append(alerted - reviewed)
        review_ms = statistics.median(to_review) * 1000
        alert_ms = statistics.median(to_alert) * 1000
        print(f"{sql.database()}, 100-row file, median of {args.runs}:")
        print(f"  upload to review page:   {review_ms:6.0f} ms (target < 500)")
        print(f"  Create Records to alert: {alert_ms:6.0f} ms (target < 1000)")


if __name__ == "__main__":
    main()
