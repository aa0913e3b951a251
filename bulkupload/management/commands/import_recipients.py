"""python manage.py import_recipients FILE --location PIN --as EMAIL [--dry-run]
[--error-file OUT] [--json]

The High Volume pipeline, synchronously, for operators and scripts (DESIGN.md, "Outside
contract"). A whole-file rejection exits with status 1; failed rows do not. `--json` also
says `"placeholder_emails": N`: how many of the recipients created have a known placeholder
address (settings.PLACEHOLDER_EMAILS) and were sent no welcome email; `"already_loaded": N`
the rows of people loaded at the location already with nothing to do (neither created nor
failed): unchanged, or with another address but their account set up already (they change it
in the portal); `"changes"` lists the rows with another address, `to_review` those a manager
may accept on the upload's page.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bulkupload.engine import FileRejected, ImportResult
from bulkupload.jobs import run_job, store_upload
from bulkupload.models import Upload
from bulkupload.pipeline import import_file
from providers.models import Location, User, normalize_login_email
from recipients.placeholders import placeholder_sentence


class Command(BaseCommand):
    help = "Import a recipient file for a location, as the High Volume tab does."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="a .csv or .xlsx recipient file")
        parser.add_argument("--location", required=True, metavar="PIN", help="e.g. NCA650001")
        parser.add_argument(
            "--as",
            dest="as_email",
            required=True,
            metavar="EMAIL",
            help="the manager of the location (or help-desk staff) the upload is made as",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report, create nothing"
        )
        parser.add_argument("--error-file", type=Path, metavar="OUT", help="write failed rows")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options) -> None:
        as_json = options["json"]
        try:
            location, user, data = self._inputs(options)
            result = self._run(data, options["file"].name, location, user, options["dry_run"])
        except (CommandError, FileRejected) as problem:
            message = problem.message if isinstance(problem, FileRejected) else str(problem)
            if as_json:
                self.stdout.write(json.dumps({"error": message}))
                raise SystemExit(1) from None
            raise CommandError(message) from None
        if options["error_file"] and result.error_file is not None:
            options["error_file"].write_bytes(result.error_file)
        if as_json:
            self.stdout.write(json.dumps(result.as_dict()))
        else:
            self._report(result, options)

    def _inputs(self, options) -> tuple[Location, User, bytes]:
        try:
            location = Location.objects.get(pin=options["location"].strip().upper())
        except Location.DoesNotExist:
            raise CommandError(f"No location has the Provider PIN {options['location']}.") from None
        try:
            user = User.objects.get(username=normalize_login_email(options["as_email"]))
        except User.DoesNotExist:
            raise CommandError(f"No user signs in as {options['as_email']}.") from None
        if not (user.is_staff or user.location_roles.filter(location=location).exists()):
            raise CommandError(f"{options['as_email']} does not manage {location.pin}.")
        try:
            data = options["file"].read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {options['file']}: {error.strerror}.") from None
        return location, user, data

    def _run(
        self, data: bytes, file_name: str, location: Location, user: User, dry_run: bool
    ) -> ImportResult:
        if dry_run:
            return import_file(data, location=location, user=user, dry_run=True)
        upload = store_upload(
            data,
            file_name=file_name,
            location=location,
            user=user,
            source=Upload.Source.COMMAND_LINE,
        )
        result = run_job(upload.pk)  # a new upload: this command claims it, nobody else
        if result is None:
            upload.refresh_from_db(fields=["problem"])
            raise FileRejected(upload.problem)
        return result

    def _report(self, result: ImportResult, options) -> None:
        verb = "would be created" if result.dry_run else "created"
        self.stdout.write(
            f"{result.rows:,} rows: {result.created:,} {verb}, {result.failed:,} failed."
        )
        if result.reconciled:
            self.stdout.write(
                f"{result.already_loaded:,} already loaded (nothing to do), "
                f"{result.to_review:,} email changes to review (on the upload's page)."
            )
        if result.placeholder_emails and not result.dry_run:
            self.stdout.write(placeholder_sentence(result.placeholder_emails))
        if result.example_notice:
            self.stdout.write(result.example_notice)
        for error in result.errors:
            self.stdout.write(error.message)
        if options["error_file"] and result.error_file is not None:
            self.stdout.write(f"Failed rows written to {options['error_file']}.")
