"""Loaded Recipients at scale: first-page server time for every sort and a range of searches.

    DATABASE_URL=postgres://root@127.0.0.1:5432/cvms .venv/bin/python bench/listing.py

Builds a throwaway database (never the configured one itself): --total recipients across ten
locations, --location-rows of them at Demo Clinic; then, signed in as its manager, times the
Bulk Registration page (the list's first page, count included) through Django's test client:
median of --runs requests per case, after one warm-up.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from devsupport import setup_django  # noqa: E402

setup_django()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from devsupport.throwaway import bench_manager, throwaway_database  # noqa: E402
from providers.models import Location  # noqa: E402
from recipients.management.commands.seed_recipients import seed_recipients  # noqa: E402

SORTS = ["last_name", "-last_name", "first_name", "-first_name", "date_of_birth"]
SORTS += ["-date_of_birth", "email", "-email"]
SEARCHES = ["smith", "jo", "a", "álvarez", "o'brien", "maria garcia", "zzzz", "nguyen tr"]


def _median_ms(client: Client, params: dict, runs: int) -> float:
    client.get("/bulk-registration/", params)  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get("/bulk-registration/", params)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--location-rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    with throwaway_database("bench_listing"):
        manager = bench_manager("NCA700000")
        home = manager.managed_locations.get()
        locations = [home] + [
            Location.objects.create(
                organization=home.organization, name=f"Site {n}", pin=f"NCA7{n:05}"
            )
            for n in range(1, 10)
        ]

        started = time.perf_counter()
        rng = random.Random(2021)  # noqa: S311
        seed_recipients(home, args.location_rows, rng)
        rest = args.total - args.location_rows
        for place in locations[1:]:
            seed_recipients(place, rest // (len(locations) - 1), rng)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE recipients_recipient")
        print(
            f"{connection.vendor}: seeded {args.total:,} recipients "
            f"({args.location_rows:,} at the manager's location) "
            f"in {time.perf_counter() - started:.0f} s"
        )

        client = Client()
        client.force_login(manager)
        results = []
        for sort in SORTS:
            results.append((f"sort={sort}", _median_ms(client, {"sort": sort}, args.runs)))
        for term in SEARCHES:
            for sort in ("last_name", "-date_of_birth"):
                params = {"q": term, "sort": sort}
                results.append((f"q={term!r} sort={sort}", _median_ms(client, params, args.runs)))
        width = max(len(name) for name, _ in results)
        for name, ms in results:
            print(f"  {name:<{width}}  {ms:7.1f} ms")
        worst = max(ms for _, ms in results)
        print(f"first page, median of {args.runs}: worst case {worst:.1f} ms (target < 100 ms)")


if __name__ == "__main__":
    main()
