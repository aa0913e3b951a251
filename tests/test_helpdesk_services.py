"""The help desk's rules, below its pages and admin: case numbers, statuses, the timeline, the
emails through the outbox, a case's job, removal, and registration."""

import pytest
from django.contrib.auth import authenticate
from django.core import mail

from bulkupload.engine import FileRejected
from bulkupload.jobs import summary_is_due
from bulkupload.models import Upload
from helpdesk import actions, cases, registration
from helpdesk.models import Case, CaseEvent, Requester, Verification
from outbox import sending
from outbox.models import OutboundEmail
from providers.models import User
from recipients.models import Recipient
from recipients.removal import RemovalRefused, remove_recipient
from tests.helpers import (
    PASSWORD,
    make_recipient,
    make_user,
    person,
    recipient_csv,
    sign_in_request,
)


@pytest.fixture
def requester(db):
    return make_user("pat@clinic.example", first_name="Pat")


@pytest.fixture
def staff(db):
    return make_user("staff@helpdesk.example", is_staff=True)


def bulk_case(requester, location, data: bytes) -> Case:
    attachment = cases.check_recipient_file(data, "staff.csv")
    return cases.open_case(
        Case(kind=Case.Kind.BULK_UPLOAD, requester=requester, location=location),
        attachment=attachment,
    )


def sent_to(address: str) -> list[mail.EmailMessage]:
    sending.send_due_emails()
    return [message for message in mail.outbox if message.to == [address]]


def test_case_numbers_start_at_cs0001001_and_follow_each_other(requester, demo_clinic):
    numbers = [
        cases.open_case(Case(kind=Case.Kind.HCP_ONBOARDING, requester=requester)).number
        for _ in range(3)
    ]
    assert numbers == ["CS0001001", "CS0001002", "CS0001003"]


def test_opening_a_case_puts_it_on_the_timeline_and_emails_the_link(requester, demo_clinic):
    case = bulk_case(requester, demo_clinic, recipient_csv(person(), person("Ann", born="x")))
    assert case.attachment.rows == 2
    assert case.attachment.failed_rows == 1
    assert "Line 3" in case.attachment.first_errors[0]
    assert list(case.events.values_list("kind", flat=True)) == [CaseEvent.Kind.OPENED]
    (email,) = sent_to("pat@clinic.example")
    assert email.subject == f"Case {case.number} received"
    assert f"https://portal.example/help-desk/cases/{case.number}/" in email.body
    assert email.attachments == []
    assert "Smith" not in email.body  # the file's people stay out of emails


def test_an_unreadable_attachment_is_refused_with_the_engines_message(db):
    with pytest.raises(FileRejected, match="LastName"):
        cases.check_recipient_file(b"FirstName,Email\r\nAnn,a@example.com\r\n", "f.csv")


def test_the_check_on_submit_does_not_tell_who_is_loaded_already(demo_clinic, other_clinic):
    # Any help-desk account may attach a file: "already exists" would say whether a named
    # person is registered somewhere. Processing finds duplicates, as every import does.
    make_recipient(other_clinic)  # John Smith, 1/2/1990
    attachment = cases.check_recipient_file(recipient_csv(person()), "f.csv")
    assert (attachment.rows, attachment.failed_rows, attachment.first_errors) == (1, 0, [])


def test_status_moves_follow_the_table_and_closing_needs_a_comment(requester, staff):
    case = cases.open_case(Case(kind=Case.Kind.HCP_ONBOARDING, requester=requester))
    with pytest.raises(cases.CaseRefused, match="cannot become Awaiting info"):
        cases.change_status(case, Case.Status.AWAITING_INFO, by=staff)
    with pytest.raises(cases.CaseRefused, match="Add a comment"):
        cases.change_status(case, Case.Status.RESOLVED, by=staff)
    cases.change_status(case, Case.Status.RESOLVED, by=staff, comment="Done for you.")
    case.refresh_from_db()
    assert case.status == Case.Status.RESOLVED and case.closed_at is not None
    event = case.events.get(kind=CaseEvent.Kind.STATUS)
    assert (event.old_status, event.new_status, event.actor) == ("new", "resolved", staff)
    emails = sent_to("pat@clinic.example")
    assert emails[-1].subject == f"Case {case.number}: Resolved"
    assert "Done for you." in emails[-1].body


def test_a_change_from_a_stale_copy_is_refused_not_overwritten(requester, staff):
    case = cases.open_case(Case(kind=Case.Kind.HCP_ONBOARDING, requester=requester))
    first, second = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    cases.change_status(first, Case.Status.IN_PROGRESS, by=staff)
    with pytest.raises(cases.CaseRefused, match="changed by someone else"):
        cases.reply(second, "Are you there?", by=staff)
    assert not Case.objects.get(pk=case.pk).events.filter(kind=CaseEvent.Kind.COMMENT).exists()


def test_a_processed_case_file_creates_its_people_once_and_tells_the_requester(
    requester, staff, demo_clinic, eager_tasks, django_capture_on_commit_callbacks
):
    case = bulk_case(
        requester,
        demo_clinic,
        recipient_csv(
            person(), person("Ann", email="a@x.example"), person("Bad", born="13/45/1990")
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        outcome = actions.process_case_file(case, by=staff)
    assert outcome.ran
    case.refresh_from_db()
    assert case.status == Case.Status.IN_PROGRESS
    upload = case.upload
    assert (upload.source, upload.status, upload.uploaded_by) == ("help_desk", "done", requester)
    assert Recipient.objects.active().filter(location=demo_clinic).count() == 2
    assert case.events.get(kind=CaseEvent.Kind.RESULT).text == "2 created, 1 failed"
    assert not summary_is_due(upload)  # no manager summary with the rows attached
    result = [e for e in mail.outbox if e.subject.endswith("recipient file processed")]
    assert len(result) == 1 and result[0].attachments == []
    assert "2 created, 1 failed" in result[0].body

    again = actions.process_case_file(case, by=staff)
    assert not again.ran and "2 created, 1 failed" in again.message
    assert Upload.objects.filter(source="help_desk").count() == 1
    assert Recipient.objects.count() == 2


def test_removal_is_soft_audited_and_lets_the_person_come_back(demo_clinic, staff):
    account = make_user("r@example.com", username="r@example.com.covid19vaccine")
    recipient = make_recipient(demo_clinic, account=account)
    with pytest.raises(RemovalRefused):
        remove_recipient(recipient, by=staff, reason="  ")
    assert remove_recipient(recipient, by=staff, reason="Left the practice")
    recipient.refresh_from_db()
    assert (recipient.removed_by, recipient.removal_reason) == (staff, "Left the practice")
    assert not Recipient.objects.active().filter(pk=recipient.pk).exists()
    assert not User.objects.get(pk=account.pk).is_active
    assert authenticate(sign_in_request(), username=account.username, password=PASSWORD) is None
    assert not remove_recipient(recipient, by=staff, reason="again")  # once
    make_recipient(demo_clinic)  # the same person, loaded again


def test_a_welcome_email_of_a_removed_recipient_is_not_sent(demo_clinic, staff):
    account = make_user("r@example.com", username="r@example.com.covid19vaccine")
    recipient = make_recipient(demo_clinic, account=account)
    OutboundEmail.objects.create(kind=OutboundEmail.Kind.WELCOME, user=account)
    remove_recipient(recipient, by=staff, reason="Entered by mistake")
    sending.send_due_emails()
    assert mail.outbox == []
    email = OutboundEmail.objects.get()
    assert email.status == OutboundEmail.Status.FAILED
    assert "deactivated" in email.last_error


def test_registering_with_a_pin_links_the_location_and_emails_a_temporary_password(
    demo_clinic,
):
    registration.register(
        first_name="Pat", last_name="Lee", email="Pat@Clinic.example", code="nca650001"
    )
    profile = Requester.objects.get(user__username="pat@clinic.example")
    assert profile.location == demo_clinic
    assert not Verification.objects.exists()  # a PIN is printed on packing lists
    assert profile.must_change_password
    assert not profile.user.has_usable_password()
    assert OutboundEmail.objects.get().body == ""  # the secret is not in the outbox
    (email,) = sent_to("pat@clinic.example")
    password = email.body.split("Temporary password: ")[1].split()[0]
    assert (
        authenticate(sign_in_request(), username="pat@clinic.example", password=password)
        == profile.user
    )


def test_registering_with_the_generic_code_leaves_the_account_unverified(db):
    registration.register(first_name="Pat", last_name="Lee", email="p@x.example", code="VAC2021")
    profile = Requester.objects.get()
    assert profile.location is None and not Verification.objects.exists()


@pytest.mark.parametrize("code", ["NCA999999", "NCA65000", "VAC2020", ""])
def test_a_bad_code_is_an_invalid_registration_code(demo_clinic, code):
    with pytest.raises(registration.InvalidCode, match="Invalid Registration Code"):
        registration.register(first_name="A", last_name="B", email="a@x.example", code=code)
    assert not User.objects.filter(username="a@x.example").exists()


def test_registering_an_existing_email_tells_its_owner_and_changes_nothing(alice):
    before = alice.password
    registration.register(
        first_name="Eve", last_name="X", email="ALICE@demo.example", code="VAC2021"
    )
    alice.refresh_from_db()
    assert alice.password == before
    assert not Requester.objects.exists()
    (email,) = sent_to("alice@demo.example")
    assert "already has an account" in email.body
    assert "Temporary password" not in email.body
