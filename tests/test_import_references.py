"""What an import writes, and the references between its rows.

The database judges duplicates through its unique constraint, at the insert, and every
reference a recipient, an account or an email holds through a foreign-key constraint: a raw
DELETE of what they point to is refused by the database itself, whatever code or console runs
it. Django's on_delete still applies to deletes through the ORM.
"""

import datetime as dt

import pytest
from django.db import IntegrityError, connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bulkupload.jobs import store_upload
from bulkupload.lowvolume import cancel_preview, create_records, purge_expired_previews
from bulkupload.models import Upload, UploadSummaryEmail
from bulkupload.pipeline import import_file
from outbox.models import OutboundEmail
from providers.models import User
from recipients.models import Recipient
from tests.helpers import (
    make_location,
    make_recipient,
    make_upload,
    make_user,
    person,
    recipient_csv,
)


def run(data, location, user, **options):
    return import_file(data, location=location, user=user, **options)


def recipient_accounts():
    return User.objects.filter(username__contains=".covid19vaccine")


def test_an_import_learns_who_is_loaded_already_from_its_own_insert(
    alice, demo_clinic, other_clinic
):
    make_recipient(other_clinic)  # John Smith, loaded by an earlier upload
    with CaptureQueriesContext(connection) as statements:
        result = run(recipient_csv(person(), person("Jane")), demo_clinic, alice)
    # What the import asked the database about recipients: it inserted before reading any.
    table = Recipient._meta.db_table
    verbs = [q["sql"].split()[0].upper() for q in statements if table in q["sql"]]
    assert verbs and verbs[0] == "INSERT", verbs
    assert (result.created, result.failed) == (1, 1)
    assert [error.message for error in result.errors] == [
        "Line 2: Email: invalid email address: Duplicated john.smith@example.com"
    ]
    # No account was made for the duplicate, not even for a moment, and no email queued.
    jane = Recipient.objects.get(first_name="Jane")
    assert list(recipient_accounts()) == [jane.account]
    assert list(OutboundEmail.objects.values_list("user", flat=True)) == [jane.account_id]


def test_a_dry_run_looks_people_up(alice, demo_clinic, other_clinic):
    make_recipient(other_clinic)
    result = run(recipient_csv(person(), person("Jane")), demo_clinic, alice, dry_run=True)
    assert (result.created, result.failed) == (1, 1)


def test_every_reference_an_import_writes_points_to_a_row(alice, demo_clinic):
    upload = store_upload(
        b"", file_name="f.csv", location=demo_clinic, user=alice, source="high_volume"
    )
    family = [person(name, email="family@example.com") for name in ("Ann", "Bob", "Cid")]
    run(recipient_csv(*family, person("Dee", email="bad")), demo_clinic, alice, upload=upload)
    recipients = Recipient.objects.all()
    assert {r.first_name for r in recipients} == {"Ann", "Bob", "Cid"}
    accounts = set(recipient_accounts().values_list("pk", flat=True))
    assert {r.account_id for r in recipients} == accounts
    # Who loaded them is the upload's uploader, not written a second time on each recipient.
    assert {(r.location_id, r.upload_id, r.created_by_id) for r in recipients} == {
        (demo_clinic.pk, upload.pk, None)
    }
    assert {r.loaded_by for r in recipients} == {alice}
    # A welcome email refers to its account only; the recipient holds the upload.
    emails = OutboundEmail.objects.all()
    assert {(e.kind, e.user_id) for e in emails} == {("welcome", pk) for pk in accounts}


def test_without_an_upload_the_importer_is_recorded_on_each_recipient(alice, demo_clinic):
    run(recipient_csv(person()), demo_clinic, alice)
    recipient = Recipient.objects.get()
    assert (recipient.upload_id, recipient.created_by, recipient.loaded_by) == (None, alice, alice)


# The database refuses a DELETE of what a recipient or an email points to -------------------
#
# These tests run in autocommit (transaction=True): Django's foreign keys are DEFERRABLE
# INITIALLY DEFERRED, so inside a test's transaction nothing would be checked. Each builds one
# row that holds exactly one reference, so only that reference's constraint can refuse.


def _lone_location():
    return make_location("NCA659001", "Lone Clinic")


def _location_of_a_recipient(alice, demo_clinic):
    location = _lone_location()
    return location, make_recipient(location)


def _upload_of_a_recipient(alice, demo_clinic):
    upload = make_upload(demo_clinic, alice)
    return upload, make_recipient(demo_clinic, upload=upload)


def _creator_of_a_recipient(alice, demo_clinic):
    creator = make_user("creator@demo.example")
    return creator, make_recipient(demo_clinic, created_by=creator)


def _account_of_a_recipient(alice, demo_clinic):
    account = make_user("john.smith@example.com.covid19vaccine")
    return account, make_recipient(demo_clinic, account=account)


def _user_of_an_email(alice, demo_clinic):
    account = make_user("john.smith@example.com.covid19vaccine")
    return account, OutboundEmail.objects.create(kind=OutboundEmail.Kind.WELCOME, user=account)


def _upload_of_a_summary(alice, demo_clinic):
    upload = make_upload(demo_clinic, alice)
    email = OutboundEmail.objects.create(kind=OutboundEmail.Kind.UPLOAD_SUMMARY, user=alice)
    return upload, UploadSummaryEmail.objects.create(upload=upload, email=email)


def _email_of_a_summary(alice, demo_clinic):
    upload = make_upload(demo_clinic, alice)
    email = OutboundEmail.objects.create(kind=OutboundEmail.Kind.UPLOAD_SUMMARY, user=alice)
    return email, UploadSummaryEmail.objects.create(upload=upload, email=email)


def _raw_delete(instance) -> None:
    table = connection.ops.quote_name(instance._meta.db_table)
    with connection.cursor() as cursor:
        key = connection.ops.quote_name(instance._meta.pk.column)
        cursor.execute(f"DELETE FROM {table} WHERE {key} = %s", [instance.pk])  # noqa: S608


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("build", "referencing_table"),
    [
        (_location_of_a_recipient, "recipients_recipient"),
        (_upload_of_a_recipient, "recipients_recipient"),
        (_creator_of_a_recipient, "recipients_recipient"),
        (_account_of_a_recipient, "recipients_recipient"),
        (_user_of_an_email, "outbox_outboundemail"),
        (_upload_of_a_summary, "bulkupload_uploadsummaryemail"),
        (_email_of_a_summary, "bulkupload_uploadsummaryemail"),
    ],
    ids=[
        "recipient.location",
        "recipient.upload",
        "recipient.created_by",
        "recipient.account",
        "email.user",
        "summary.upload",
        "summary.email",
    ],
)
def test_the_database_refuses_to_delete_what_a_row_points_to(
    build, referencing_table, alice, demo_clinic
):
    target, holder = build(alice, demo_clinic)
    # SQLite names no constraint; PostgreSQL names the referencing table.
    refusal = referencing_table if connection.vendor == "postgresql" else "FOREIGN KEY"
    with pytest.raises(IntegrityError, match=refusal):
        _raw_delete(target)
    assert type(target).objects.filter(pk=target.pk).exists()
    # Nothing but the holder kept it: without the holder the same DELETE goes through.
    _raw_delete(holder)
    _raw_delete(target)
    assert not type(target).objects.filter(pk=target.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_to_delete_what_an_import_created_points_to(alice, demo_clinic):
    upload = make_upload(demo_clinic, alice)
    run(recipient_csv(person()), demo_clinic, alice, upload=upload)
    recipient = Recipient.objects.get()
    # (The location is held by the upload and its manager too: see the test above for it.)
    for target in (upload, recipient.account):
        with pytest.raises(IntegrityError):
            _raw_delete(target)
    assert Recipient.objects.filter(upload=upload, account__isnull=False).exists()


@pytest.mark.django_db(transaction=True)
def test_deleting_an_upload_through_django_is_refused_too(alice, demo_clinic):
    # Django leaves the recipients' reference alone (it does not quietly clear where they
    # came from), and the database refuses the delete.
    upload = make_upload(demo_clinic, alice)
    run(recipient_csv(person()), demo_clinic, alice, upload=upload)
    with pytest.raises(IntegrityError):
        Upload.objects.filter(pk=upload.pk).delete()
    assert Recipient.objects.get().upload_id == upload.pk


@pytest.mark.django_db(transaction=True)
def test_a_batch_for_an_upload_deleted_meanwhile_is_refused_and_writes_nothing(alice, demo_clinic):
    upload = store_upload(
        b"", file_name="f.csv", location=demo_clinic, user=alice, source="high_volume"
    )
    Upload.objects.filter(pk=upload.pk).delete()
    with pytest.raises(IntegrityError):
        run(recipient_csv(person()), demo_clinic, alice, upload=upload)
    assert not Recipient.objects.exists()
    assert not recipient_accounts().exists()
    assert not OutboundEmail.objects.exists()


def test_deleting_an_account_through_django_still_clears_what_refers_to_it(alice, demo_clinic):
    run(recipient_csv(person()), demo_clinic, alice)
    recipient = Recipient.objects.get()
    recipient.account.delete()
    recipient.refresh_from_db()
    assert recipient.account is None
    assert not OutboundEmail.objects.exists()


def test_uploads_cannot_be_deleted_in_the_admin(charlie, client, alice, demo_clinic):
    upload = store_upload(
        b"", file_name="f.csv", location=demo_clinic, user=alice, source="high_volume"
    )
    client.force_login(charlie)
    response = client.get(f"/admin/bulkupload/upload/{upload.pk}/delete/")
    assert response.status_code == 403
    assert Upload.objects.filter(pk=upload.pk).exists()


def preview(alice, demo_clinic):
    return store_upload(
        recipient_csv(person()),
        file_name="f.csv",
        location=demo_clinic,
        user=alice,
        source=Upload.Source.LOW_VOLUME,
        status=Upload.Status.PREVIEW,
    )


def test_cancel_deletes_a_file_awaiting_review(alice, demo_clinic):
    upload = preview(alice, demo_clinic)
    cancel_preview(alice, demo_clinic, upload.pk)
    assert not Upload.objects.filter(pk=upload.pk).exists()


def test_cancel_after_create_records_keeps_the_upload_and_its_recipients(alice, demo_clinic):
    upload = preview(alice, demo_clinic)
    create_records(alice, demo_clinic, upload.pk)
    with pytest.raises(Http404):
        cancel_preview(alice, demo_clinic, upload.pk)
    assert Recipient.objects.get().upload_id == upload.pk


def test_the_purge_leaves_uploads_that_created_recipients(alice, demo_clinic):
    waiting = preview(alice, demo_clinic)
    created = preview(alice, demo_clinic)
    create_records(alice, demo_clinic, created.pk)
    later = timezone.now() + dt.timedelta(days=1)
    assert purge_expired_previews(now=later) == 1
    assert list(Upload.objects.values_list("pk", flat=True)) == [created.pk]
    assert not Upload.objects.filter(pk=waiting.pk).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgresql("SQLite plans each statement anew")
def test_reference_checks_are_index_look_ups_even_when_the_tables_are_tiny(alice, demo_clinic):
    """PostgreSQL keeps each foreign-key check's plan for the connection's life: planned as a
    scan while a table is tiny, it would scan the table once per row as the table grows."""
    upload = make_upload(demo_clinic, alice)
    connection.close()  # a fresh connection: no check planned yet
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE providers_location")  # the planner knows the table is tiny

    def scans() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_force_next_flush()")
            cursor.execute(
                "SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'providers_location'"
            )
            return cursor.fetchone()[0]

    before = scans()
    family = [person(f"Ann{chr(97 + i % 26)}{chr(97 + i // 26)}") for i in range(60)]
    assert run(recipient_csv(*family), demo_clinic, alice, upload=upload).created == 60
    assert scans() - before < 5  # not one scan of the locations per recipient
