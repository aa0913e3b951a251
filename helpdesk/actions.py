"""What help-desk staff do for a case: process its recipient file, remove its recipient,
onboard its people, verify its requester.

Each action is idempotent: done once, it returns its earlier result instead of running again
(`Outcome.ran` says which). Each is on the case's timeline and emailed to the requester; the
admin adds its own audit record (LogEntry) of who pressed the button.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from bulkupload.elsewhere import (
    FoundElsewhereTooOften,
    allow_finding_elsewhere,
    check_file_for_elsewhere,
    record_found_elsewhere,
)
from bulkupload.engine import FileRejected
from bulkupload.jobs import queue_job, queue_message, send_emails_after_commit, store_upload
from bulkupload.models import OutboundEmail, Upload
from providers.models import LocationManager, User, normalize_login_email
from recipients.removal import remove_recipient

from .cases import CaseRefused, bump, notify_requester, record
from .models import Case, CaseEvent, Requester


@dataclass
class Outcome:
    """What an action did (ran) or had done before (not ran), in words for staff and email."""

    ran: bool
    message: str


def process_case_file(case: Case, *, by: User) -> Outcome:
    """Run the attached RECIPIENT BULK UPLOAD FILE through the one pipeline as a job of the
    case's location (its Reports tab shows it, source "Help desk"). The requester is told the
    result when the job ends (`job_finished`).

    The requester reads the failed records, so rows naming people loaded at other locations
    count against their PREVIEW_ELSEWHERE_RATE, as their own uploads would (bulkupload.elsewhere):
    past it, staff are told to process the file later."""
    found = _found_elsewhere(case) if case.upload_id is None else 0
    with transaction.atomic():
        case = _locked(case)
        if case.upload_id is not None:
            # Read afresh: a click that waited on the lock while another one started the job
            # gets the case's new row, but (PostgreSQL re-reads only the locked row) its
            # joined upload as it was when the click's query began, that is none.
            upload = Upload.objects.without_files().get(pk=case.upload_id)
            return Outcome(False, f"Already sent for processing: {job_summary(upload)}")
        attachment = _processable_file(case)
        upload = store_upload(
            bytes(attachment.content),
            file_name=attachment.file_name,
            location=case.location,
            user=case.requester,
            source=Upload.Source.HELP_DESK,
        )
        _start(case, by, upload=upload)
        record_found_elsewhere(case.requester, found, target=f"upload {upload.pk}")
        record(case, CaseEvent.Kind.PROCESSED, by, f"File {attachment.file_name} is processing.")
        queue_job(upload)
    return Outcome(True, f"Processing {attachment.file_name} for {case.location}.")


def job_finished(upload: Upload) -> None:
    """A case's job ended: its result on the timeline and to the requester, once."""
    case = Case.objects.filter(upload=upload).select_related("requester").first()
    if case is None or case.events.filter(kind=CaseEvent.Kind.RESULT).exists():
        return
    summary = job_summary(upload)
    with transaction.atomic():
        record(case, CaseEvent.Kind.RESULT, None, summary)
        notify_requester(
            case,
            "emails/case_result.txt",
            subject=f"Case {case.number}: recipient file processed",
            upload=upload,
            summary=summary,
        )


def job_summary(upload: Upload) -> str:
    """ "312 created, 4 failed", or why nothing was."""
    if upload.status == Upload.Status.DONE:
        return f"{upload.created_count} created, {upload.failed_count} failed"
    if upload.is_finished:
        return f"{upload.get_status_display()}: {upload.problem}"
    return f"{upload.get_status_display()}: {upload.processed} of {upload.rows or '?'} rows so far"


def remove_case_recipient(case: Case, *, by: User) -> Outcome:
    """Remove the recipient the removal case names, with the case's reason."""
    if case.kind != Case.Kind.REMOVAL or case.recipient_id is None:
        raise CaseRefused(
            "This is not a removal case naming a recipient. Set the recipient on the case first."
        )
    recipient = case.recipient
    reason = f"{case.number}: {case.removal_reason or case.description}".strip()
    with transaction.atomic():
        if not remove_recipient(recipient, by=by, reason=reason):
            return Outcome(
                False,
                f"Recipient #{recipient.pk} was removed already, on "
                f"{timezone.localtime(recipient.removed_at):%b %-d, %Y}.",
            )
        message = f"Recipient #{recipient.pk} was removed."
        _done(_locked(case), by, CaseEvent.Kind.REMOVED, message, "recipient removed")
    return Outcome(True, message)


def onboard_case_people(case: Case, *, by: User) -> Outcome:
    """Make the people the onboarding case lists Healthcare Location Managers of its location:
    a new account gets a link to set its password, an existing one is added to the location."""
    with transaction.atomic():
        case = _locked(case)
        earlier = case.events.filter(kind=CaseEvent.Kind.ONBOARDED).first()
        if earlier is not None:
            return Outcome(False, f"Onboarded already: {earlier.text}")
        if case.kind != Case.Kind.HCP_ONBOARDING or case.location_id is None or not case.people:
            raise CaseRefused(
                "Onboarding needs an HCP Onboarding case with a location and at least one person."
            )
        created = added = 0
        for person in case.people:
            new = _onboard(person, case)
            created, added = created + new, added + (not new)
        message = (
            f"{created} new account(s) created, {added} existing account(s) added, as "
            f"Healthcare Location Managers of {case.location}."
        )
        _done(case, by, CaseEvent.Kind.ONBOARDED, message, "HCP users onboarded")
    return Outcome(True, message)


def verify_requester(case: Case, *, by: User) -> Outcome:
    """Verify the account of a requester who registered with the generic code VAC2021."""
    profile = Requester.objects.filter(user=case.requester_id).first()
    if profile is None:
        return Outcome(False, "The requester did not register on the help desk: nothing to verify.")
    with transaction.atomic():
        if not verify(profile, by=by):
            verified = timezone.localtime(profile.verified_at)
            return Outcome(False, f"Verified already, on {verified:%b %-d, %Y}.")
        record(case, CaseEvent.Kind.VERIFIED, by, "The requester's account was verified.")
    return Outcome(True, f"{case.requester} is verified.")


def verify(profile: Requester, *, by: User) -> bool:
    """Verify a requester's account (with or without a case); False when it was verified
    already, by anyone, which changes nothing."""
    now = timezone.now()
    if not Requester.objects.filter(pk=profile.pk, verified_at__isnull=True).update(
        verified_at=now, verified_by=by
    ):
        profile.refresh_from_db(fields=["verified_at", "verified_by"])
        return False
    profile.verified_at, profile.verified_by = now, by
    return True


def _onboard(person: dict, case: Case) -> bool:
    """One person made a manager of the case's location; True when their account is new."""
    email = normalize_login_email(person["email"])
    user = User.objects.filter(username=email).first()
    new = user is None
    if new:
        user = User.objects.create_user(
            email,
            None,
            first_name=person.get("first_name", "")[:80],
            last_name=person.get("last_name", "")[:80],
        )
    LocationManager.objects.get_or_create(user=user, location=case.location)
    if new:
        OutboundEmail.objects.create(kind=OutboundEmail.Kind.ACCOUNT_SETUP, user=user)
        send_emails_after_commit()
    else:
        queue_message(
            user,
            subject="You are a Healthcare Location Manager of another location",
            body=f"The CVMS Help Desk made you a Healthcare Location Manager of {case.location} "
            f"(case {case.number}). Log in to the CVMS Provider Portal with your account and "
            "choose the location at the top of the page.\n",
        )
    return new


def _found_elsewhere(case: Case) -> int:
    """How many rows of the case's file name people loaded at other locations, counted against
    the requester's limit (CaseRefused past it). Outside the action's transaction, so that a
    refusal's audit entry is kept."""
    attachment = _processable_file(case)
    try:
        found = check_file_for_elsewhere(
            bytes(attachment.content), case.location, source=Upload.Source.HELP_DESK
        ).found_elsewhere
        allow_finding_elsewhere(case.requester, found, target=f"case {case.number}")
    except FoundElsewhereTooOften as refused:
        raise CaseRefused(
            f"Not processed: the requester's recent files found people already loaded at other "
            "locations too often, and the failed records would tell them who else is. To "
            f"protect those people's privacy, process this file in {refused.minutes} minute(s)."
        ) from refused
    except FileRejected:
        return 0  # refused as a whole by the job, which says why: it reports nobody
    return found


def _processable_file(case: Case):
    attachment = getattr(case, "attachment", None)
    if case.kind != Case.Kind.BULK_UPLOAD or attachment is None:
        raise CaseRefused("This case has no attached recipient file to process.")
    if attachment.content is None:
        raise CaseRefused("The attached file was deleted after the retention period.")
    if case.location_id is None:
        raise CaseRefused(
            "The case has no location: set the location whose VFC PIN the request gives."
        )
    return attachment


def _locked(case: Case) -> Case:
    """The case as it is now, locked until the action's transaction ends (a second click
    waits, then sees the first one's result)."""
    # Only the case's row: PostgreSQL cannot lock the nullable side of an outer join (the
    # location and the upload may be empty), and nothing else needs locking.
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("location", "requester", "upload")
        .get(pk=case.pk)
    )


def _done(case: Case, by: User, kind: str, message: str, what: str) -> None:
    """An action that finished at once: the case in progress, the result on its timeline and
    in an email to the requester ("Case CS0001001: <what>")."""
    _start(case, by)
    record(case, kind, by, message)
    notify_requester(
        case,
        "emails/case_result.txt",
        subject=f"Case {case.number}: {what}",
        summary=message,
    )


def _start(case: Case, by: User, **fields) -> None:
    """An action moves a new case into progress (the action's own email says what happened)."""
    old = case.status
    if old == Case.Status.NEW:
        fields["status"] = Case.Status.IN_PROGRESS
    bump(case, None, **fields)
    if old != case.status:
        record(case, CaseEvent.Kind.STATUS, by, "", old_status=old, new_status=case.status)
