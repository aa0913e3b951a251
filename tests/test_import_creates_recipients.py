"""Creating recipients: each with a portal account and one queued welcome email, in bulk."""

import datetime as dt

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from bulkupload.engine import FileRejected
from bulkupload.jobs import process_upload, store_upload
from bulkupload.models import Upload
from bulkupload.pipeline import import_file
from outbox.models import OutboundEmail
from providers.models import User
from recipients.models import Recipient
from tests.helpers import failing_inserts_into, make_recipient, person, recipient_csv


def run(data, location, user, **options):
    return import_file(data, location=location, user=user, **options)


def test_it_creates_recipients_with_the_location_uploader_and_upload(alice, demo_clinic):
    upload = store_upload(
        b"", file_name="f.csv", location=demo_clinic, user=alice, source="high_volume"
    )
    result = run(
        recipient_csv(person(), person("Zoë", "O'Brien", "12/2/1955", " Zoe@Example.COM ")),
        demo_clinic,
        alice,
        upload=upload,
    )
    assert (result.rows, result.created, result.failed) == (2, 2, 0)
    zoe = Recipient.objects.get(first_name="Zoë")
    assert (zoe.last_name, zoe.date_of_birth, zoe.email) == (
        "O'Brien",
        dt.date(1955, 12, 2),
        "Zoe@example.com",
    )
    assert (zoe.first_name_key, zoe.last_name_key) == ("zoë", "o'brien")
    assert (zoe.location, zoe.loaded_by, zoe.upload) == (demo_clinic, alice, upload)
    assert zoe.removed_at is None and zoe.removal_reason == ""


def test_derived_fields_are_what_save_would_have_filled_in(alice, demo_clinic):
    run(
        recipient_csv(person("  José ", "Núñez  O'Brien"), person("ZOË", "Smith-Jones")),
        demo_clinic,
        alice,
    )
    derived = [
        field.attname
        for field in Recipient._meta.concrete_fields
        if not field.editable and not field.primary_key and not field.generated
    ]
    assert "name_first_last" in derived
    for recipient in Recipient.objects.all():
        saved_way = Recipient(first_name=recipient.first_name, last_name=recipient.last_name)
        saved_way.fill_keys()
        for name in derived:
            assert getattr(recipient, name) == getattr(saved_way, name), name


def test_each_recipient_gets_a_portal_account_without_a_usable_password(alice, demo_clinic):
    run(recipient_csv(person(email="Nichelle.Testing@Gmail.com")), demo_clinic, alice)
    recipient = Recipient.objects.select_related("account").get()
    account = recipient.account
    assert account.username == "nichelle.testing@gmail.com.covid19vaccine"
    assert account.email == "Nichelle.Testing@gmail.com"
    assert not account.has_usable_password()
    assert account.is_active and not account.is_staff
    assert User.objects.get_by_natural_key("NICHELLE.TESTING@gmail.com.covid19vaccine") == account
    assert account.recipient == recipient


def test_family_members_sharing_an_email_get_numbered_usernames(alice, demo_clinic):
    family = [person(first, email="family@example.com") for first in ("Ann", "Bob", "Cid")]
    run(recipient_csv(*family[:2]), demo_clinic, alice)
    run(recipient_csv(family[2], person("Dee", email="FAMILY@example.com")), demo_clinic, alice)
    usernames = dict(Recipient.objects.values_list("first_name", "account__username"))
    assert usernames == {
        "Ann": "family@example.com.covid19vaccine",
        "Bob": "family@example.com.covid19vaccine2",
        "Cid": "family@example.com.covid19vaccine3",
        "Dee": "family@example.com.covid19vaccine4",
    }


def test_numbers_go_on_from_the_highest_in_use_without_filling_gaps(alice, demo_clinic):
    family = [person(first, email="f@example.com") for first in ("Ann", "Bob", "Cid", "Dee")]
    run(recipient_csv(*family[:3]), demo_clinic, alice)
    User.objects.filter(username="f@example.com.covid19vaccine2").delete()
    run(recipient_csv(family[3]), demo_clinic, alice)
    assert (
        Recipient.objects.get(first_name="Dee").account.username == "f@example.com.covid19vaccine4"
    )


def test_a_manager_with_the_same_email_does_not_block_the_username(alice, demo_clinic):
    run(recipient_csv(person(email="alice@demo.example")), demo_clinic, alice)
    assert Recipient.objects.get().account.username == "alice@demo.example.covid19vaccine"


def test_it_queues_one_welcome_email_per_created_recipient(alice, demo_clinic):
    upload = store_upload(
        b"", file_name="f.csv", location=demo_clinic, user=alice, source="low_volume"
    )
    make_recipient(demo_clinic, first_name="Old")
    run(
        recipient_csv(person("Ann"), person("Old"), person("Bob", email="bad")),
        demo_clinic,
        alice,
        upload=upload,
    )
    email = OutboundEmail.objects.get()
    assert email.user == Recipient.objects.get(first_name="Ann").account
    # The recipient holds the upload; the welcome email needs no reference of its own.
    assert (email.kind, email.status, email.attempts) == ("welcome", "queued", 0)


def test_a_dry_run_writes_nothing(alice, demo_clinic):
    result = run(recipient_csv(person()), demo_clinic, alice, dry_run=True)
    assert result.created == 1
    assert not Recipient.objects.exists()
    assert not User.objects.exclude(pk=alice.pk).exists()


def test_it_writes_few_statements_per_batch(alice, demo_clinic, django_assert_max_num_queries):
    rows = [
        person(f"Ann{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}", email=f"a{i % 7}@example.com")
        for i in range(300)
    ]
    # ids, recipients, the usernames' counters, users, emails, the transaction's and the
    # accounts' savepoints, and on PostgreSQL the plan setting: whatever the families' sizes
    with django_assert_max_num_queries(10):
        result = run(recipient_csv(*rows), demo_clinic, alice)
    assert result.created == 300
    assert OutboundEmail.objects.count() == 300


def test_a_failure_mid_way_leaves_no_half_created_recipient(alice, demo_clinic):
    # The database refuses the batch's last write, its welcome emails.
    with failing_inserts_into(OutboundEmail), pytest.raises(DatabaseError, match="disk is full"):
        run(recipient_csv(person()), demo_clinic, alice)
    assert not Recipient.objects.exists()
    assert not User.objects.filter(username__endswith="covid19vaccine").exists()


def test_a_person_created_by_a_racing_upload_is_reported_as_a_duplicate(
    alice, demo_clinic, other_clinic, monkeypatch
):
    # The engine's check runs before the other upload commits: it sees nobody...
    data = recipient_csv(person(), person("Jane"))
    result = run(data, demo_clinic, alice, dry_run=True)
    assert result.created == 2
    # ...then the other upload creates John (at another location: one here is reconciled),
    # and this one's insert meets the constraint.
    make_recipient(other_clinic)
    result = run(data, demo_clinic, alice)
    assert (result.created, result.failed) == (1, 1)
    assert [e.message for e in result.errors] == [
        "Line 2: Email: invalid email address: Duplicated john.smith@example.com"
    ]
    assert Recipient.objects.count() == 2
    # The loser's account was removed again, and it gets no welcome email.
    assert User.objects.filter(username__endswith="covid19vaccine").count() == 1
    assert OutboundEmail.objects.count() == 1


def test_process_upload_records_the_outcome_on_the_upload(alice, demo_clinic):
    data = recipient_csv(person(), person("Jane", email="bad"))
    upload = store_upload(
        data, file_name="staff.csv", location=demo_clinic, user=alice, source="high_volume"
    )
    result = process_upload(upload)
    upload.refresh_from_db()
    assert result.created == 1
    assert (upload.status, upload.rows, upload.processed) == ("done", 2, 2)
    assert (upload.created_count, upload.failed_count) == (1, 1)
    assert bytes(upload.error_file).startswith(
        b"\xef\xbb\xbfFirstName,LastName,Date of birth,Email,Error\r\n"
    )
    assert upload.started_at and upload.finished_at
    assert Recipient.objects.get().upload == upload


def test_process_upload_records_a_whole_file_rejection(alice, demo_clinic):
    upload = store_upload(
        b"%PDF-1.4", file_name="scan.pdf", location=demo_clinic, user=alice, source="high_volume"
    )
    assert process_upload(upload) is None
    upload.refresh_from_db()
    assert upload.status == Upload.Status.REJECTED
    assert upload.problem.startswith("The file is not a table.")
    assert upload.error_file is None


def test_process_upload_applies_the_limit_of_the_door_it_came_by(alice, demo_clinic, settings):
    settings.LOW_VOLUME_MAX_ROWS = 1
    data = recipient_csv(person(), person("Jane"))
    upload = store_upload(
        data, file_name="f.csv", location=demo_clinic, user=alice, source="low_volume"
    )
    process_upload(upload)
    upload.refresh_from_db()
    assert upload.status == Upload.Status.REJECTED
    assert "at most 1 can be uploaded" in upload.problem


def test_process_upload_marks_a_crash_as_failed(alice, demo_clinic):
    upload = store_upload(
        recipient_csv(person()),
        file_name="f.csv",
        location=demo_clinic,
        user=alice,
        source="help_desk",
    )
    with failing_inserts_into(Recipient), pytest.raises(DatabaseError, match="disk is full"):
        process_upload(upload)
    upload.refresh_from_db()
    assert upload.status == Upload.Status.FAILED
    assert "internal error" in upload.problem


def test_a_failed_batch_stops_the_import_before_the_next_is_written(alice, demo_clinic):
    rows = [person(f"Pat{n}", "Lee", "1/2/1980", f"p{n}@example.com") for n in range(1500)]
    # The database refuses the first batch (a row of it); the second would be written well.
    with (
        failing_inserts_into(Recipient, when="NEW.first_name = 'Pat0'"),
        pytest.raises(DatabaseError, match="disk is full"),
    ):
        run(recipient_csv(*rows), demo_clinic, alice)
    assert not Recipient.objects.exists()  # the second batch was never written
    assert not OutboundEmail.objects.exists()


def test_it_rejects_before_writing_anything(alice, demo_clinic, settings):
    settings.HIGH_VOLUME_MAX_ROWS = 2
    with pytest.raises(FileRejected):
        run(
            recipient_csv(*[person(f"Ann{chr(97 + i)}") for i in range(3)]),
            demo_clinic,
            alice,
        )
    assert not Recipient.objects.exists()


def test_a_large_family_sharing_an_email_goes_on_numbering(alice, demo_clinic):
    family = [person(f"Kid{chr(97 + i)}", email="big@example.com") for i in range(14)]
    for start in range(0, 14, 4):
        run(recipient_csv(*family[start : start + 4]), demo_clinic, alice)
    usernames = set(Recipient.objects.values_list("account__username", flat=True))
    expected = {"big@example.com.covid19vaccine"}
    expected |= {f"big@example.com.covid19vaccine{n}" for n in range(2, 15)}
    assert usernames == expected


@pytest.mark.django_db(transaction=True)  # the test's atomic block is the caller's, not ours
@pytest.mark.postgresql("SQLite writes every batch on the caller's connection: one writer")
def test_an_import_inside_a_transaction_writes_on_the_callers_connection(
    alice, demo_clinic, settings
):
    # A caller's atomic block: another connection would not see the uncommitted location and
    # manager, and what it wrote would outlive the caller's rollback.
    settings.IMPORT_WRITERS = 2  # outside a transaction, three batches would go to threads
    rows = [person("Ann", f"Lee{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}{i}") for i in range(2500)]
    with transaction.atomic():
        result = run(recipient_csv(*rows), demo_clinic, alice)
        assert result.created == 2500
        assert Recipient.objects.count() == 2500  # visible here, on this connection
        transaction.set_rollback(True)
    assert not Recipient.objects.exists()


def test_the_database_refuses_a_username_twice_however_it_is_written(db):
    # Unique through a constraint of its own (no LIKE index beside it): bulk writes included.
    User.objects.bulk_create([User(username="pat@example.com.covid19vaccine", email="p@x.org")])
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(username="pat@example.com.covid19vaccine", email="q@x.org")])


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own foreign-key checks")
def test_sqlite_finds_the_recipients_an_account_created_through_an_index(db):
    # What SQLite looks up for every account an import inserts while the batch's recipients
    # wait for their accounts: a scan here made each import read every recipient, per account.
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN QUERY PLAN SELECT 1 FROM recipients_recipient WHERE created_by_id = 1"
        )
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "USING" in plan and "INDEX" in plan, plan
