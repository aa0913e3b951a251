"""A re-upload on the pages (issue 25): the Low Volume review shows who is already loaded and
the email changes to review (a box per row, off by default), CREATE RECORDS makes only the
ticked ones and is off when nothing would be created or changed; the upload's page has
"Review changes" for the other doors; the counts stay apart from created and failed in the
banner, Reports and the manager's email, and no failed-records file is offered."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.utils import timezone

from audit.models import AuditEvent
from bulkupload.emails import upload_summary_message
from bulkupload.highvolume import job_status
from bulkupload.jobs import run_job, store_upload
from bulkupload.models import Upload, UploadEmailChange
from bulkupload.pipeline import import_file
from bulkupload.retention import delete_files
from outbox import sending
from recipients.models import Recipient
from tests.helpers import person, recipient_csv

UPLOADER = "alice@demo.example"
BO = person("Bo", "Lee", email="bo@example.com")
FIRST = [person(), person("Jane", email="jane@example.com"), person("Ann", email="ann@x.org")]
AGAIN = [
    person(),  # unchanged
    person("Jane", email="jane@new.example"),  # a change to review
    person("Ann", email="ann@new.example"),  # another change to review
]


@pytest.fixture
def loaded(alice, demo_clinic):
    """John, Jane and Ann loaded at Demo Clinic and sent their welcome emails, their portal
    accounts not set up yet."""
    import_file(recipient_csv(*FIRST), location=demo_clinic, user=alice)
    sending.send_due_emails()
    mail.outbox.clear()


def _preview(client, rows) -> Upload:
    upload_file = io.BytesIO(recipient_csv(*rows))
    upload_file.name = "again.csv"
    assert client.post("/bulk-registration/upload/", {"file": upload_file}).status_code == 302
    return Upload.objects.latest("pk")


def _row(page: str, line: int) -> str:
    start = page.index(f'<tr id="line-{line}"')
    return page[start : page.index("</tr>", start)]


def _job(alice, demo_clinic, rows) -> Upload:
    upload = store_upload(
        recipient_csv(*rows),
        file_name="again.csv",
        location=demo_clinic,
        user=alice,
        source=Upload.Source.HIGH_VOLUME,
    )
    run_job(upload.pk)
    return Upload.objects.get(pk=upload.pk)


def _welcomes_again() -> list[str]:
    """Where the emails to recipients sent since the people were loaded went (not the
    uploader's summary): welcome emails, again after a correction, or to people created."""
    sending.send_due_emails()
    return sorted(
        address for message in mail.outbox for address in message.to if address != UPLOADER
    )


# Low Volume ----------------------------------------------------------------------------------


def test_the_review_shows_who_is_loaded_and_each_change_with_its_box_unticked(alice_client, loaded):
    upload = _preview(alice_client, [*AGAIN, BO])
    page = alice_client.get(f"/bulk-registration/review/{upload.pk}/").content.decode()
    assert '<strong id="ready-count">1</strong>' in page
    assert '<strong id="error-count">0</strong>' in page
    assert '<strong id="already-loaded-count">1</strong>' in page
    assert '<strong id="review-count">2</strong>' in page
    assert "Already loaded (nothing to do)" in _row(page, 2)
    jane = _row(page, 3)
    assert "Email: jane@example.com → jane@new.example" in jane
    assert 'type="checkbox" name="accept-3" value="1" aria-describedby' in jane
    assert "checked" not in jane
    assert "Duplicated" not in page


def test_create_records_makes_only_the_ticked_change(alice_client, loaded):
    upload = _preview(alice_client, [*AGAIN, BO])
    response = alice_client.post(
        f"/bulk-registration/review/{upload.pk}/create/", {"accept-3": "1"}, follow=True
    )
    page = response.content.decode()
    assert '<strong id="successful-count">1</strong>' in page
    assert '<strong id="failed-count">0</strong>' in page
    assert '<strong id="already-loaded-count">1</strong>' in page
    assert "2</strong> email changes: 1 accepted" in page and "1 not accepted" in page
    assert "download the failed records" not in page
    jane, ann = Recipient.objects.get(first_name="Jane"), Recipient.objects.get(first_name="Ann")
    assert jane.email == jane.account.email == "jane@new.example"
    assert jane.account.username == "jane@new.example.covid19vaccine"
    assert ann.email == "ann@x.org"
    assert _welcomes_again() == ["bo@example.com", "jane@new.example"]
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.EMAIL_CORRECTED, target=f"recipient {jane.pk}", actor__isnull=False
    ).exists()
    assert not AuditEvent.objects.filter(target=f"recipient {ann.pk}").exists()


def test_create_records_is_off_with_why_when_nothing_would_be_created_or_changed(
    alice_client, loaded
):
    upload = _preview(alice_client, FIRST)
    page = alice_client.get(f"/bulk-registration/review/{upload.pk}/").content.decode()
    assert ' disabled aria-describedby="nothing-to-do">CREATE RECORDS' in page
    assert "no row would create a recipient or change anything" in page
    assert "Every person in the file is already loaded here." in page


def test_create_records_stays_on_for_a_change_alone(alice_client, loaded):
    upload = _preview(alice_client, [person("Jane", email="jane@new.example")])
    page = alice_client.get(f"/bulk-registration/review/{upload.pk}/").content.decode()
    assert ">CREATE RECORDS" in page and "nothing-to-do" not in page


def test_a_person_set_up_already_is_shown_as_registered_with_nothing_to_tick(alice_client, loaded):
    account = Recipient.objects.get(first_name="Jane").account
    account.set_password("chosen by Jane")
    account.save()
    upload = _preview(alice_client, [person("Jane", email="jane@new.example")])
    page = alice_client.get(f"/bulk-registration/review/{upload.pk}/").content.decode()
    row = _row(page, 2)
    assert "already registered: the person changes it in the portal" in row
    assert "checkbox" not in row
    # A forged tick changes nothing either.
    alice_client.post(f"/bulk-registration/review/{upload.pk}/create/", {"accept-2": "1"})
    assert Recipient.objects.get(first_name="Jane").email == "jane@example.com"
    assert _welcomes_again() == []


# The upload's page ("Review changes") --------------------------------------------------------


def test_the_upload_page_reviews_the_changes_and_makes_the_ticked_one(
    alice_client, alice, demo_clinic, loaded
):
    upload = _job(alice, demo_clinic, AGAIN)
    page = alice_client.get(f"/reports/{upload.pk}/").content.decode()
    assert "Review changes" in page
    assert "Email: jane@example.com → jane@new.example" in page
    assert 'name="accept-3"' in page and 'name="accept-4"' in page
    response = alice_client.post(f"/reports/{upload.pk}/changes/", {"accept-4": "1"}, follow=True)
    page = response.content.decode()
    assert "1 email address changed." in page
    assert "Email changed to ann@new.example" in page
    assert 'name="accept-3"' in page and 'name="accept-4"' not in page
    assert Recipient.objects.get(first_name="Ann").email == "ann@new.example"
    assert Recipient.objects.get(first_name="Jane").email == "jane@example.com"
    assert _welcomes_again() == ["ann@new.example"]


def test_a_change_is_made_once_however_often_it_is_accepted(
    alice_client, alice, demo_clinic, loaded
):
    upload = _job(alice, demo_clinic, AGAIN)
    for _ in range(2):
        alice_client.post(f"/reports/{upload.pk}/changes/", {"accept-3": "1"})
    assert _welcomes_again() == ["jane@new.example"]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EMAIL_CORRECTED).count() == 1
    change = UploadEmailChange.objects.get(line=3)
    assert change.accepted_by == alice and change.accepted_at is not None


def test_accepting_changes_requires_post_and_the_uploads_location(
    alice, demo_clinic, loaded, bob_client, client
):
    upload = _job(alice, demo_clinic, AGAIN)
    assert bob_client.post(f"/reports/{upload.pk}/changes/", {"accept-3": "1"}).status_code == 404
    client.force_login(alice)
    assert client.get(f"/reports/{upload.pk}/changes/").status_code == 405
    assert Recipient.objects.get(first_name="Jane").email == "jane@example.com"


def test_nothing_ticked_changes_nothing_and_says_so(alice_client, alice, demo_clinic, loaded):
    upload = _job(alice, demo_clinic, AGAIN)
    response = alice_client.post(f"/reports/{upload.pk}/changes/", follow=True)
    assert "Tick the changes to make first." in response.content.decode()
    assert _welcomes_again() == []


# The counts, wherever they are shown ---------------------------------------------------------


def test_the_banner_reports_and_email_count_the_already_loaded_apart(
    alice_client, alice, demo_clinic, loaded
):
    upload = _job(alice, demo_clinic, [*AGAIN, BO])
    assert (upload.created_count, upload.failed_count) == (1, 0)
    assert (upload.already_loaded_count, upload.change_count) == (1, 2)
    banner = job_status(upload)["banner_html"]
    assert '1</span> successful, <span id="banner-failed">0</span> failed' in banner
    assert "1 already loaded (nothing to do)" in banner
    assert "2 email changes to review" in banner and f"/reports/{upload.pk}/#changes" in banner
    reports = alice_client.get("/reports/").content.decode()
    assert "Already loaded" in reports and "2 changes to review" in reports
    message = upload_summary_message(upload)
    assert "Already loaded (nothing to do): 1" in message.body
    assert "Email changes to review: 2" in message.body
    assert "Failed recipient uploads: 0" in message.body
    assert not message.attachments and "To fix them" not in message.body
    assert alice_client.get(f"/reports/{upload.pk}/failed-records.csv").status_code == 404


def test_the_changes_go_with_the_files_at_the_end_of_retention(alice, demo_clinic, loaded):
    upload = _job(alice, demo_clinic, AGAIN)
    assert UploadEmailChange.objects.count() == 2
    delete_files(Upload.objects.filter(pk=upload.pk), timezone.now() + dt.timedelta(days=1))
    assert not UploadEmailChange.objects.exists()
