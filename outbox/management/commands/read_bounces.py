"""Read the bounces in BOUNCE_MAILDIR now (beat does it every minute), and say what they did."""

import dataclasses
import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from outbox.bounces import read_maildir


class Command(BaseCommand):
    help = "Read new bounce messages from the Maildir and update the emails they name."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--maildir", default="", help="default: BOUNCE_MAILDIR")

    def handle(self, *args, maildir: str, **options) -> None:
        path = maildir or settings.BOUNCE_MAILDIR
        if not path:
            raise CommandError("No Maildir: set BOUNCE_MAILDIR or pass --maildir.")
        self.stdout.write(json.dumps(dataclasses.asdict(read_maildir(path))))
