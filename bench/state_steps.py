"""bench/state.py's steps, with Django set up against the state database (see its docstring)."""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from collections import deque
from concurrent.futures import Future

import sql
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django.test.utils import setup_test_environment
from population import Population, location_sizes

from bulkupload.engine.cleaning import CleanRow
from bulkupload.pipeline import import_file
from bulkupload.writer import BatchWriter
from devsupport.recipientfiles import make_file
from devsupport.throwaway import bench_upload, send_no_tasks
from outbox.models import OutboundEmail
from providers.models import Location, LocationManager, Organization, User
from recipients.counts import active_recipients
from recipients.models import Recipient, RecipientCount
from recipients.names import name_key

FILE_ROWS = 5000  # the largest file a fill writes at once (a High Volume upload's size)
IMPORT_ROWS = 5000
MANAGER = "bench-state@example.com"
# The largest location's Loaded Recipients, as a manager asks for them.
PROBES = [
    {},
    {"sort": "-last_name"},
    {"sort": "first_name"},
    {"sort": "date_of_birth"},
    {"sort": "-email"},
    {"q": "smith"},
    {"q": "smith", "page": "40"},
    {"q": "smith", "sort": "email"},
    {"q": "j s"},
    {"q": "j s", "sort": "last_name"},
    {"q": "john smith"},
    {"q": "noemail@none.com"},
    {"q": "zzzz"},
    {"page": "400"},
    {"page": "4000"},
    {"sort": "-email", "page": "4000"},
]
TAB_PROBES = [{}, {"q": "smith"}]

send_no_tasks()  # the welcome emails stay queued; step 2 marks them sent


def _say(text: str) -> None:
    from state import _say as say  # noqa: PLC0415 - bench/state.py's clock

    say(text)


def run(args, *, new: bool) -> None:
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]
    setup_test_environment()
    call_command("migrate", verbosity=0)
    sql.create_remembered()
    locations = _locations(args.locations)
    largest, manager = locations[0], User.objects.get(email=MANAGER)
    _say(f"database {connection.settings_dict['NAME']}: {_disk()}, {_total():,} recipients")

    if new or sql.remembered("near_empty_import") is None:
        sql.analyze()
        near = _imports(largest, manager, args.runs)
        sql.remember("near_empty_import", near)
        _say(f"near-empty: 5,000-row import {near:.3f} s (median of {args.runs})")
    near = sql.remembered("near_empty_import")

    _fill(locations, manager, location_sizes(args.recipients, args.locations))
    # The import path's tidy-up (recipients.sql.tidy_recipients) VACUUMs the recipients as
    # imports add them, which the fill's writer bypasses: their visibility map as those
    # imports would have left it (deep pages read the sort indexes alone where it is set).
    # The statistics stay as they are: stale.
    started = time.perf_counter()
    sql.vacuum(Recipient._meta.db_table)
    _say(f"recipients VACUUMed as imports leave them in {time.perf_counter() - started:.0f} s")
    # The fill wrote gigabytes within minutes (and marked every welcome email sent in one
    # statement): left to the server, they may still be on their way to disk while the first
    # imports are timed. A database grown over months has long flushed them; what is measured
    # is an import, not the fill's aftermath (bench/README.md, issue 27, sixth pass).
    started = time.perf_counter()
    sql.checkpoint()
    _say(f"the fill's writes flushed (CHECKPOINT) in {time.perf_counter() - started:.0f} s")

    for title in ("statistics stale", "after ANALYZE"):
        if title == "after ANALYZE":
            started = time.perf_counter()
            sql.analyze()
            _say(f"statistics fresh (ANALYZE) in {time.perf_counter() - started:.0f} s")
        seconds = _imports(largest, manager, args.runs)
        _say(f"{title}: 5,000-row import {seconds:.3f} s, {seconds / near:.2f}x near-empty")
        _pages(largest, manager, args.runs, title)
    _say(f"bytes on disk per recipient: {_bytes_per_recipient():,.0f} ({_disk()})")


def _locations(count: int) -> list[Location]:
    """The state's locations, the largest first, made once; its manager manages the largest."""
    organization, _ = Organization.objects.get_or_create(name="Bench State")
    have = {loc.pin: loc for loc in Location.objects.filter(organization=organization)}
    missing = [
        Location(organization=organization, name=f"State {n}", pin=f"NCA8{n:05d}")
        for n in range(count)
        if f"NCA8{n:05d}" not in have
    ]
    Location.objects.bulk_create(missing)
    locations = list(Location.objects.filter(organization=organization).order_by("pin"))[:count]
    if not User.objects.filter(email=MANAGER).exists():
        manager = User.objects.create_user(MANAGER, None)
        LocationManager.objects.create(user=manager, location=locations[0])
    return locations


def _fill(locations: list[Location], manager: User, sizes: list[int]) -> None:
    """Each location to its size, a file at a time, locations interleaved by what they lack."""
    have = dict(RecipientCount.objects.values_list("location_id").annotate(total=Sum("delta")))
    pairs = zip(locations, sizes, strict=True)
    lacking = {loc.pk: size - have.get(loc.pk, 0) for loc, size in pairs}
    lacking = {pk: n for pk, n in lacking.items() if n > 0}
    by_pk = {loc.pk: loc for loc in locations}
    total = sum(lacking.values())
    if not total:
        return
    _say(f"filling {total:,} more recipients over {len(lacking):,} locations")
    rng = random.Random(_total())  # a resumed fill draws other people
    population = Population(seed=_total())
    written, reported, started = 0, 0, time.perf_counter()
    while lacking:
        pks = list(lacking)
        pk = rng.choices(pks, [lacking[p] for p in pks])[0]
        location = by_pk[pk]
        wanted = min(FILE_ROWS, lacking[pk])
        made = _write_file(location, manager, population, wanted)
        lacking[pk] -= made
        if lacking[pk] <= 0:
            del lacking[pk]
        written += made
        if written - reported >= 100_000 or not lacking:
            reported = written
            rate = written / (time.perf_counter() - started)
            _say(f"filled {written:,} of {total:,} ({rate:,.0f}/s), {_disk()}")
    OutboundEmail.objects.filter(status=OutboundEmail.Status.QUEUED).update(
        status=OutboundEmail.Status.ACCEPTED, sent_at=dt.datetime.now(dt.UTC)
    )
    sql.vacuum(OutboundEmail._meta.db_table)


def _write_file(location: Location, manager: User, population: Population, wanted: int) -> int:
    """One upload's worth of people at the location, as the import writes them: how many
    were created (a person already loaded is not)."""
    clinic = f"frontdesk@clinic{location.pin.lower()}.org"
    people = population.households(clinic)
    upload = bench_upload(location, manager, "state-fill.csv")
    created = 0
    batch = 1000
    with BatchWriter(location=location, user=manager, upload=upload, batches=99) as writer:
        pending: deque[Future] = deque()
        line = 1
        while created < wanted or pending:
            todo = wanted - created - batch * len(pending)
            if todo > 0 and len(pending) <= writer.in_flight:
                rows = []
                for first, last, born, email in (next(people) for _ in range(min(batch, todo))):
                    line += 1
                    rows.append(_row(line, first, last, born, email))
                pending.append(writer.submit(rows))
            elif pending:
                created += len(pending.popleft().result().created)
            else:
                break
    return created


def _row(line: int, first: str, last: str, born: dt.date, email: str) -> CleanRow:
    return CleanRow(
        line=line,
        cells=[],
        first_name=first,
        last_name=last,
        date_of_birth=born,
        email=email,
        first_name_key=name_key(first),
        last_name_key=name_key(last),
    )


def _imports(location: Location, manager: User, runs: int) -> float:
    times = []
    for n in range(runs):
        data = make_file(IMPORT_ROWS, seed=int(time.time() * 1000) % 10**9 + n, existing=[])
        upload = bench_upload(location, manager, "state-import.csv")
        started = time.perf_counter()
        import_file(data, location=location, user=manager, upload=upload)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _pages(location: Location, manager: User, runs: int, title: str) -> None:
    client = Client()
    client.force_login(manager)
    size = active_recipients(location)
    _say(f"Loaded Recipients at the largest location ({size:,} recipients), {title}, medians:")
    worst = 0.0
    for path, probes in (("/bulk-registration/", PROBES), ("/recipients/", TAB_PROBES)):
        for params in probes:
            seconds, body = _timed_page(client, path, params, runs)
            worst = max(worst, seconds)
            label = " ".join(f"{k}={v}" for k, v in params.items()) or "first page"
            print(f"    {path:20} {label:28} {seconds * 1000:7.1f} ms  {_count(body)}")
    counted = _median(runs, lambda: active_recipients(location))
    print(f"    Recipients count (active_recipients) {counted * 1000:7.1f} ms")
    _say(f"worst page {worst * 1000:.1f} ms (target < 100 ms)")


def _timed_page(client: Client, path: str, params: dict, runs: int) -> tuple[float, str]:
    response = client.get(path, params)  # warm-up
    assert response.status_code == 200, (path, params, response.status_code)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path, params)
        times.append(time.perf_counter() - started)
    return statistics.median(times), response.content.decode()


def _count(body: str) -> str:
    start = body.find("Total number of records:")
    return body[start : body.find("<", start)].strip() if start >= 0 else ""


def _median(runs: int, work) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _total() -> int:
    return RecipientCount.objects.aggregate(n=Sum("delta", default=0))["n"]


def _disk() -> str:
    return f"database {sql.database_size() / 2**30:.2f} GiB on disk"


def _bytes_per_recipient() -> float:
    tables = [Recipient, User, OutboundEmail]
    return sql.bytes_of_tables([model._meta.db_table for model in tables]) / max(_total(), 1)
