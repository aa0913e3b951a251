"""Re-uploading a whole file reconciles with what is loaded instead of failing (issue 25): the
engine and the pipeline, without a browser.

A person loaded at this location with the same address is "already loaded (nothing to do)";
with another address and no account set up, a change to review (made only when accepted); set
up already, "already registered"; loaded at another location, or twice in the file, the
guide's duplicate error as before.
"""

import datetime as dt
import io
import json

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bulkupload import engine
from bulkupload.engine import LoadedPerson
from bulkupload.jobs import run_job, store_upload
from bulkupload.models import Upload, UploadEmailChange
from bulkupload.pipeline import import_file
from outbox.models import OutboundEmail
from recipients.models import Recipient
from tests.helpers import TODAY, make_recipient, person, recipient_csv

BORN = dt.date(1990, 1, 2)
DUPLICATED = "Line 2: Email: invalid email address: Duplicated john.smith@example.com"


def _import(data, location, user, **options):
    return import_file(data, location=location, user=user, **options)


def check_file(data, *, existing, location=None):
    return engine.check_file(data, max_rows=5000, today=TODAY, existing=existing, location=location)


def _loaded(location, *, email="john.smith@example.com", set_up=False):
    """The engine's look-up, as the portal answers it: John Smith loaded at `location`."""
    where = LoadedPerson(recipient=7, location=location, email=email, set_up=set_up)
    return lambda people: {p: where for p in people if p == ("john", "smith", BORN)}


# The engine, no database ----------------------------------------------------------------------


def test_the_engine_reconciles_a_person_loaded_at_the_files_location():
    result = check_file(recipient_csv(person(), person("Jane")), existing=_loaded(1), location=1)
    assert (result.created, result.failed, result.already_loaded) == (1, 0, 1)
    assert [row.message for row in result.reconciled] == ["Line 2: Already loaded (nothing to do)"]
    assert result.error_file is None


def test_the_engine_compares_addresses_without_regard_to_case():
    data = recipient_csv(person(email="John.Smith@Example.COM"))
    result = check_file(data, existing=_loaded(1), location=1)
    assert (result.already_loaded, result.to_review) == (1, 0)


def test_the_engine_shows_another_address_as_a_change_to_review():
    data = recipient_csv(person(email="john@new.example"))
    result = check_file(data, existing=_loaded(1), location=1)
    assert (result.created, result.failed, result.already_loaded, result.to_review) == (0, 0, 0, 1)
    (change,) = result.changes
    assert change.message == (
        "Line 2: Email: john.smith@example.com → john@new.example (a change to review)"
    )


def test_the_engine_leaves_a_set_up_account_to_the_person():
    data = recipient_csv(person(email="john@new.example"))
    result = check_file(data, existing=_loaded(1, set_up=True), location=1)
    assert (result.already_loaded, result.to_review) == (1, 0)
    (change,) = result.changes
    assert change.message.endswith(
        "john@new.example: already registered: the person changes it in the portal"
    )


def test_the_engine_keeps_the_duplicate_error_for_another_location():
    result = check_file(recipient_csv(person()), existing=_loaded(2), location=1)
    assert (result.failed, result.already_loaded) == (1, 0)
    assert [error.message for error in result.errors] == [DUPLICATED]


def test_the_engine_keeps_the_duplicate_error_without_a_location():
    result = check_file(recipient_csv(person()), existing=_loaded(1))
    assert (result.failed, result.already_loaded) == (1, 0)


def test_the_engine_keeps_the_duplicate_error_for_a_person_twice_in_the_file():
    data = recipient_csv(person("Jane"), person("Jane"))
    result = check_file(data, existing=_loaded(1), location=1)
    assert result.failed == 1 and not result.reconciled


# The pipeline, with the database --------------------------------------------------------------


def test_a_reupload_of_the_same_file_creates_and_fails_nothing(alice, demo_clinic):
    data = recipient_csv(person(), person("Jane"))
    first = _import(data, demo_clinic, alice)
    assert first.created == 2
    again = _import(data, demo_clinic, alice)
    assert (again.created, again.failed, again.already_loaded) == (0, 0, 2)
    assert again.error_file is None
    assert Recipient.objects.count() == 2
    # Nobody is welcomed twice.
    assert OutboundEmail.objects.filter(kind=OutboundEmail.Kind.WELCOME).count() == 2


def test_a_person_loaded_at_another_location_stays_the_guides_duplicate_error(
    alice, demo_clinic, other_clinic
):
    make_recipient(other_clinic)
    result = _import(recipient_csv(person()), demo_clinic, alice)
    assert (result.created, result.failed, result.already_loaded) == (0, 1, 0)
    assert [error.message for error in result.errors] == [DUPLICATED]
    assert b"Duplicated" in result.error_file


def test_a_person_twice_in_a_reupload_is_already_loaded_once_and_a_duplicate_once(
    alice, demo_clinic
):
    _import(recipient_csv(person()), demo_clinic, alice)
    result = _import(recipient_csv(person(), person()), demo_clinic, alice)
    assert (result.already_loaded, result.failed) == (1, 1)
    assert [error.line for error in result.errors] == [3]


def test_a_changed_address_is_not_applied_by_the_upload(alice, demo_clinic):
    _import(recipient_csv(person()), demo_clinic, alice)
    result = _import(recipient_csv(person(email="john@new.example")), demo_clinic, alice)
    assert (result.created, result.failed, result.already_loaded, result.to_review) == (0, 0, 0, 1)
    assert Recipient.objects.get().email == "john.smith@example.com"
    assert OutboundEmail.objects.count() == 1  # the first upload's welcome email only


def test_a_dry_run_reconciles_as_the_import_would(alice, demo_clinic):
    _import(recipient_csv(person(), person("Jane")), demo_clinic, alice)
    data = recipient_csv(person(), person("Jane", email="jane@new.example"), person("Ann"))
    dry = _import(data, demo_clinic, alice, dry_run=True)
    real = _import(data, demo_clinic, alice)
    counts = [(r.created, r.failed, r.already_loaded, r.to_review) for r in (dry, real)]
    assert counts == [(1, 0, 1, 1), (1, 0, 1, 1)]


def test_the_job_counts_and_keeps_the_changes_to_review(alice, demo_clinic):
    _import(recipient_csv(person(), person("Jane")), demo_clinic, alice)
    data = recipient_csv(person(), person("Jane", email="jane@new.example"), person("Ann"))
    upload = store_upload(
        data, file_name="again.csv", location=demo_clinic, user=alice, source="high_volume"
    )
    run_job(upload.pk)
    upload = Upload.objects.get(pk=upload.pk)
    assert (upload.created_count, upload.failed_count) == (1, 0)
    assert (upload.already_loaded_count, upload.change_count, upload.processed) == (1, 1, 3)
    assert upload.outcome == Upload.SUCCESS and not upload.has_error_file
    assert upload.outcome_summary == (
        "1 created, 1 already loaded (nothing to do), 1 change to review, 0 failed."
    )
    (change,) = UploadEmailChange.objects.all()
    assert (change.line, change.email, change.registered, change.accepted_at) == (
        3,
        "jane@new.example",
        False,
        None,
    )
    assert change.recipient.first_name == "Jane"


def test_a_reupload_with_nothing_new_is_a_success_that_created_nobody(alice, demo_clinic):
    data = recipient_csv(person())
    _import(data, demo_clinic, alice)
    upload = store_upload(
        data, file_name="a.csv", location=demo_clinic, user=alice, source="command_line"
    )
    run_job(upload.pk)
    upload = Upload.objects.get(pk=upload.pk)
    assert upload.outcome == Upload.SUCCESS
    assert upload.outcome_summary == "0 created, 1 already loaded (nothing to do), 0 failed."


def test_the_cli_json_counts_the_already_loaded_apart(alice, demo_clinic, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(recipient_csv(person(), person("Jane")))
    _import(recipient_csv(person()), demo_clinic, alice)
    out = io.StringIO()
    call_command(
        "import_recipients",
        str(path),
        "--location",
        "NCA650001",
        "--as",
        "alice@demo.example",
        "--json",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    assert (result["rows"], result["created"], result["failed"]) == (2, 1, 0)
    assert (result["already_loaded"], result["errors"], result["changes"]) == (1, [], [])


def test_a_fresh_import_asks_nobody_and_a_reupload_asks_once_per_batch(alice, demo_clinic):
    """The look-up of where people are loaded is made only for a batch whose insert found
    people loaded already: a fresh import makes none."""
    lookup = "IN (VALUES"
    if connection.vendor == "postgresql":
        lookup = "CROSS JOIN LATERAL"
    data = recipient_csv(*(person(f"P{n}") for n in range(1500)))  # two batches
    with CaptureQueriesContext(connection) as fresh:
        _import(data, demo_clinic, alice)
    with CaptureQueriesContext(connection) as again:
        assert _import(data, demo_clinic, alice).already_loaded == 1500
    assert sum(lookup in query["sql"] for query in fresh.captured_queries) == 0
    assert sum(lookup in query["sql"] for query in again.captured_queries) == 2
