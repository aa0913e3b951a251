"""What an import writes, and the references between its rows.

The database judges duplicates through its unique constraint, at the insert, and the rows an
import writes refer to each other without foreign-key constraints (see Recipient.upload): these
tests hold the writer and Django's on_delete to keeping those references whole.
"""

import datetime as dt

import pytest
from django.db import IntegrityError
from django.http import Http404
from django.utils import timezone

from bulkupload import pipeline
from bulkupload.jobs import store_upload
from bulkupload.lowvolume import cancel_preview, create_records, purge_expired_previews
from bulkupload.models import OutboundEmail, Upload
from bulkupload.pipeline import import_file
from providers.models import User
from recipients.models import Recipient
from tests.helpers import make_recipient, person, recipient_csv


def run(data, location, user, **options):
    return import_file(data, location=location, user=user, **options)


def recipient_accounts():
    return User.objects.filter(username__contains=".covid19vaccine")


def test_an_import_learns_who_is_loaded_already_from_its_own_insert(
    alice, demo_clinic, monkeypatch
):
    make_recipient(demo_clinic)  # John Smith, loaded by an earlier upload

    def no_lookups(people):
        raise AssertionError("an import does not look people up before writing")

    monkeypatch.setattr(pipeline, "loaded_people", no_lookups)
    result = run(recipient_csv(person(), person("Jane")), demo_clinic, alice)
    assert (result.created, result.failed) == (1, 1)
    assert [error.message for error in result.errors] == [
        "Line 2: Email: invalid email address: Duplicated john.smith@example.com"
    ]
    # No account was made for the duplicate, not even for a moment, and no email queued.
    jane = Recipient.objects.get(first_name="Jane")
    assert list(recipient_accounts()) == [jane.account]
    assert list(OutboundEmail.objects.values_list("user", flat=True)) == [jane.account_id]


def test_a_dry_run_looks_people_up(alice, demo_clinic):
    make_recipient(demo_clinic)
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
    assert {(r.location_id, r.upload_id, r.created_by_id) for r in recipients} == {
        (demo_clinic.pk, upload.pk, alice.pk)
    }
    emails = OutboundEmail.objects.all()
    assert {(e.user_id, e.upload_id) for e in emails} == {(pk, upload.pk) for pk in accounts}


def test_a_batch_for_an_upload_that_is_gone_writes_nothing(alice, demo_clinic):
    upload = store_upload(
        b"", file_name="f.csv", location=demo_clinic, user=alice, source="high_volume"
    )
    Upload.objects.filter(pk=upload.pk).delete()
    with pytest.raises(IntegrityError, match="no longer exists"):
        run(recipient_csv(person()), demo_clinic, alice, upload=upload)
    assert not Recipient.objects.exists()
    assert not recipient_accounts().exists()


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
