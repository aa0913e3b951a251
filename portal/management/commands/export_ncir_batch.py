"""python manage.py export_ncir_batch --location PIN [--date YYYY-MM-DD] --out FILE

Writes one location's NCIR batch file (FHS, BHS, the VXU messages, BTS, FTS; portal.ncir):
with --date, the messages queued that day (local time), whatever became of them, so a day's
file can be made again; without, every message still Pending. Pending messages in the file
become Exported. The file holds recipients' names: it goes to the registry only.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.models import AuditEvent
from audit.trail import record
from portal import ncir
from providers.models import Location


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date: expected YYYY-MM-DD, got {value!r}.") from None


class Command(BaseCommand):
    help = "Write a location's NCIR batch file (HL7 v2.5.1 VXU messages) and mark it Exported."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--location", required=True, metavar="PIN", help="e.g. NCA650001")
        parser.add_argument(
            "--date",
            type=_day,
            metavar="YYYY-MM-DD",
            help="the day the messages were queued (default: every Pending message)",
        )
        parser.add_argument("--out", required=True, type=Path, metavar="FILE")

    def handle(self, *args, location: str, date: dt.date | None, out: Path, **options) -> None:
        found = Location.objects.filter(pin=location.strip().upper()).first()
        if found is None:
            raise CommandError(f"No location has the Provider PIN {location}.")
        text, count = ncir.export_batch(found, ncir.messages_to_export(found, date))
        try:
            out.write_text(text, encoding="utf-8", newline="")
        except OSError as problem:
            raise CommandError(f"Cannot write {out}: {problem.strerror}.") from None
        record(
            AuditEvent.Action.NCIR_EXPORTED,
            target=f"location {found.pin}",
            detail=f"{count} message(s), command line",
        )
        self.stdout.write(f"Wrote {count} message(s) for {found.pin} to {out}.")
