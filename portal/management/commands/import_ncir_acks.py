"""python manage.py import_ncir_acks FILE

Reads NCIR's ACK file (one ACK per VXU sent, in a batch or one after another) and sets each
message's status: MSA-1 AA Accepted; AE or AR Rejected with the registry's error text (ERR-8,
else MSA-3). MSA-2 names the message by its control id (MSH-10). Acknowledgments of messages
this portal never sent are counted and named by control id, not fatal.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal import ncir


class Command(BaseCommand):
    help = "Import NCIR's ACK file: each reported dose becomes Accepted or Rejected."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="the registry's ACK file")

    def handle(self, *args, file: Path, **options) -> None:
        try:
            text = file.read_text(encoding="utf-8", errors="replace")
        except OSError as problem:
            raise CommandError(f"Cannot read {file}: {problem.strerror}.") from None
        result = ncir.import_acks(text)
        self.stdout.write(f"Accepted: {result.accepted}. Rejected: {result.rejected}.")
        if result.unknown:
            self.stdout.write(
                f"{len(result.unknown)} acknowledgment(s) of messages not sent from here: "
                + ", ".join(result.unknown)
            )
