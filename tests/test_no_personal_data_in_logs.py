"""Logs never hold a name, a date of birth or an email of the people in a file, nor the email
of the manager or the staff doing the work: a whole day's work is run with every logger
captured at DEBUG (production logs at INFO), then searched."""

import logging
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bulkupload.models import Upload
from helpdesk import actions, cases
from helpdesk.models import Case
from outbox import sending
from recipients.models import Recipient
from tests.helpers import make_staff

PEOPLE = [
    ("Quintessa", "Vanderbilt", "7/14/1961", "quintessa.v@example.org"),
    ("Barnaby", "Okonkwo", "2/29/1980", "barnaby.okonkwo@example.net"),
    ("Philippa", "Aldana", "11/3/1977", "bad-email-philippa"),
]
SECRETS = {part for person in PEOPLE for part in person} | {"1961-07-14", "1980-02-29"}


def _csv(people) -> bytes:
    lines = ["FirstName,LastName,Date of birth,Email", *(",".join(p) for p in people)]
    return ("\r\n".join(lines) + "\r\n").encode()


@pytest.fixture
def everything_logged(caplog):
    with caplog.at_level(logging.DEBUG):
        # SQL with its parameters is the one thing production never logs (WARNING).
        logging.getLogger("django.db.backends").setLevel(logging.WARNING)
        yield caplog


def test_uploads_corrections_searches_cases_and_removals_log_no_personal_data(
    alice_client,
    alice,
    demo_clinic,
    everything_logged,
    eager_tasks,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        # High Volume, through the job.
        alice_client.post(
            "/bulk-registration/high-volume/upload/",
            {"file": SimpleUploadedFile("hv.csv", _csv(PEOPLE[:2]))},
        )
    with django_capture_on_commit_callbacks(execute=True):
        # Low Volume, a failed row corrected on the review page, then created.
        low = [("Ignatius", "Featherstone", "5/6/1950", "not-an-email")]
        SECRETS.update(low[0])
        alice_client.post(
            "/bulk-registration/upload/", {"file": SimpleUploadedFile("lv.csv", _csv(low))}
        )
        preview = Upload.objects.get(source="low_volume")
        alice_client.post(
            f"/bulk-registration/review/{preview.pk}/recheck/",
            {"line-2-email": "ignatius.f@example.org"},
        )
        SECRETS.add("ignatius.f@example.org")
        alice_client.post(f"/bulk-registration/review/{preview.pk}/create/")
        # Searches.
        for query in ("Vanderbilt", "okonkwo barnaby", "Featherstone"):
            alice_client.get("/recipients/", {"q": query})
            alice_client.get("/bulk-registration/", {"q": query})
    with django_capture_on_commit_callbacks(execute=True):
        # A help-desk case with the file, processed; a removal.
        staff = make_staff("staff@helpdesk.example")
        case = cases.open_case(
            Case(kind=Case.Kind.BULK_UPLOAD, requester=alice, location=demo_clinic),
            attachment=cases.check_recipient_file(_csv(PEOPLE[2:]), "hd.csv"),
        )
        actions.process_case_file(case, by=staff)
        removal = cases.open_case(
            Case(
                kind=Case.Kind.REMOVAL,
                requester=alice,
                location=demo_clinic,
                recipient=Recipient.objects.get(last_name="Vanderbilt"),
                removal_reason="Left",
            )
        )
        actions.remove_case_recipient(removal, by=staff)
        sending.send_due_emails()

    assert Recipient.objects.count() == 3  # the work really ran
    logged = "\n".join(record.getMessage() for record in everything_logged.records)
    logged += "\n".join(str(record.args) for record in everything_logged.records)
    assert logged.strip()
    # The manager's and the staff's addresses (their usernames) are personal data too.
    secrets = SECRETS | {alice.email, alice.username, staff.email}
    found = sorted(s for s in secrets if re.search(re.escape(s), logged, re.IGNORECASE))
    assert found == []
