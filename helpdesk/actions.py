"""What help-desk staff do for a case: process its recipient file, remove its recipient,
onboard its people, verify its requester; and what a location's manager does with an access
request: approve or decline it.

Each action is idempotent: done once, it returns its earlier result instead of running again
(`Outcome.ran` says which). Each is on the case's timeline and emailed to the requester; the
admin adds its own audit record (LogEntry) of who pressed the button.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.trail import record as audit
from bulkupload.elsewhere import (
    FoundElsewhereTooOften,
    allow_finding_elsewhere,
    check_file_for_elsewhere,
    record_found_elsewhere,
)
from bulkupload.engine import FileRejected
from bulkupload.jobs import queue_job, store_upload
from bulkupload.models import Upload
from outbox.models import OutboundEmail
from outbox.queue import queue_email, queue_message
from providers.models import LocationManager, User, normalize_login_email
from recipients.removal import remove_recipient

from .cases import CaseRefused, bump, change_status, notify_requester, record
from .models import Case, CaseEvent, Verification
from .verification import manages, requester_is_trusted


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
    """A case's job ended: its result on the timeline and to the requester, once (counts
    only to a requester not trusted for the location)."""
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
            # The failed records say who is loaded already ("Duplicated <email>"): only
            # someone trusted with the location is pointed at them.
            counts_only=not requester_is_trusted(case.requester, case.location),
            # A help-desk-only requester has no Bulk Registration tab to upload on.
            can_upload=manages(case.requester, case.location),
            new_request_url=settings.SITE_URL + reverse("helpdesk:bulk_request"),
        )


def job_summary(upload: Upload) -> str:
    """ "312 created, 4 failed" (and how many were loaded at the location already), or why
    nothing was."""
    if upload.status == Upload.Status.DONE:
        summary = f"{upload.created_count:,} created, {upload.failed_count:,} failed"
        if upload.reconciled_count:
            summary += f", {upload.already_loaded_count:,} already loaded (nothing to do)"
        if upload.change_count:
            summary += f", {upload.change_count:,} email change(s) for the managers to review"
        return summary
    if upload.is_finished:
        return f"{upload.get_status_display()}: {upload.problem}"
    rows = f"{upload.rows:,}" if upload.rows else "?"
    return f"{upload.get_status_display()}: {upload.processed:,} of {rows} rows so far"


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
    a new account gets a link to set its password, an existing one is added to the location.

    Refused (CaseRefused, "Waiting for verification: ...") while the requester is not trusted
    for the location (helpdesk.verification): this is a grant of access to its recipients."""
    with transaction.atomic():
        case = _locked(case)
        earlier = case.events.filter(kind=CaseEvent.Kind.ONBOARDED).first()
        if earlier is not None:
            return Outcome(False, f"Onboarded already: {earlier.text}")
        if case.kind != Case.Kind.HCP_ONBOARDING or case.location_id is None or not case.people:
            raise CaseRefused(
                "Onboarding needs an HCP Onboarding case with a location and at least one person."
            )
        if not requester_is_trusted(case.requester, case.location):
            raise CaseRefused(
                f"Waiting for verification: {case.requester} is not verified for "
                f"{case.location}. A manager of the location approves the request on their "
                "Home page, or verify the requester for the location first (Verify requester)."
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


def verify_requester(case: Case, *, by: User, method: str, note: str = "") -> Outcome:
    """Record that staff checked who the case's requester is, for the case's location, and
    how (a Verification's method; "other", and any verification after a manager declined,
    need the note). Done once per requester and location."""
    note = note.strip()
    with transaction.atomic():
        case = _locked(case)
        if case.location_id is None or case.requester_id is None:
            raise CaseRefused("Set the case's location first: a requester is verified for one.")
        if method not in Verification.Method.values or method == Verification.Method.UNKNOWN:
            raise CaseRefused("Choose how you checked who the requester is.")
        if not note and (
            method == Verification.Method.OTHER
            or case.access_decision == Case.AccessDecision.DECLINED
        ):
            raise CaseRefused("Write a note: how you checked, and why.")
        verification, new = _verification(case, by, method, note)
        if not new:
            return Outcome(False, f"Verified already: {describe(verification)}")
        method_label = verification.get_method_display()
        record(
            case,
            CaseEvent.Kind.VERIFIED,
            by,
            f"The requester was verified for {case.location}: {method_label}.",
        )
        audit(
            AuditEvent.Action.REQUESTER_VERIFIED,
            actor=by,
            target=f"case {case.number}",
            detail=f"for {case.location.pin}: {verification.method}",
        )
    return Outcome(True, describe(verification))


def approve_access(case: Case, *, by: User) -> Outcome:
    """A manager of the case's location confirms who the requester is: recorded as their
    Verification (confirmed by an existing manager), then the people are onboarded at once.
    The caller has checked that `by` manages the location."""
    with transaction.atomic():
        case = _locked(case)
        if case.access_decision:
            return Outcome(False, f"Already {case.get_access_decision_display().lower()}.")
        _verification(case, by, Verification.Method.MANAGER_CONFIRMED, "")
        _decide(case, by, Case.AccessDecision.APPROVED, "")
        onboarded = onboard_case_people(case, by=by)
    return Outcome(True, f"Access approved. {onboarded.message}")


def decline_access(case: Case, *, by: User, reason: str) -> Outcome:
    """A manager of the case's location says the requester should not have access: nothing
    is granted and the case is rejected, with the reason emailed to the requester."""
    reason = reason.strip()
    if not reason:
        raise CaseRefused("Say why you decline the request: the requester is told.")
    with transaction.atomic():
        case = _locked(case)
        if case.access_decision:
            return Outcome(False, f"Already {case.get_access_decision_display().lower()}.")
        _decide(case, by, Case.AccessDecision.DECLINED, reason)
        change_status(
            case,
            Case.Status.REJECTED,
            by=by,
            comment=f"A manager of {case.location} declined the access request: {reason}",
        )
    return Outcome(True, "Access declined. The requester is told why; nobody was given access.")


def describe(verification: Verification) -> str:
    """ "Verified for NCA650001 by Charlie Day on Dec 6, 2026: Called the location's phone
    number on file" (with the note, if any)."""
    by = verification.verified_by
    who = f" by {by.get_full_name() or by}" if by is not None else ""
    when = timezone.localtime(verification.verified_at)
    text = (
        f"Verified for {verification.location.pin}{who} on {when:%b %-d, %Y}: "
        f"{verification.get_method_display()}"
    )
    return f"{text} ({verification.note})" if verification.note else text


def _verification(case: Case, by: User, method: str, note: str) -> tuple[Verification, bool]:
    found = Verification.objects.select_related("verified_by", "location")
    return found.get_or_create(
        user=case.requester,
        location=case.location,
        defaults={"method": method, "note": note, "verified_by": by, "case": case},
    )


def _decide(case: Case, by: User, decision: str, reason: str) -> None:
    """The access decision on the case, its timeline and the audit trail."""
    bump(
        case,
        None,
        access_decision=decision,
        access_decided_by=by,
        access_decided_at=timezone.now(),
        access_decision_reason=reason,
    )
    approved = decision == Case.AccessDecision.APPROVED
    kind = CaseEvent.Kind.ACCESS_APPROVED if approved else CaseEvent.Kind.ACCESS_DECLINED
    text = (
        f"A manager of {case.location} confirmed who the requester is."
        if approved
        else f"A manager of {case.location} declined the access request: {reason}"
    )
    record(case, kind, by, text)
    action = AuditEvent.Action.ACCESS_APPROVED if approved else AuditEvent.Action.ACCESS_DECLINED
    audit(action, actor=by, target=f"case {case.number}", detail=f"for {case.location.pin}")


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
    managed_before = set(user.location_roles.values_list("location_id", flat=True))
    LocationManager.objects.get_or_create(user=user, location=case.location)
    if new:
        queue_email(OutboundEmail.Kind.ACCOUNT_SETUP, user=user)
    elif case.location_id not in managed_before:
        queue_message(user, **_manager_of(user, case, first=not managed_before))
    return new


def _manager_of(user: User, case: Case, *, first: bool) -> dict[str, str]:
    """The email to an existing account made a manager of the case's location. A first-time
    manager (a help-desk account until now) was told of "another location" and to "choose the
    location at the top of the page", which they had never seen."""
    login = settings.SITE_URL + reverse("providers:login")
    hello = f"Hello {user.first_name}," if user.first_name else "Hello,"
    made = (
        f"The CVMS Help Desk made you a Healthcare Location Manager of {case.location} "
        f"(case {case.number})."
    )
    if first:
        return {
            "subject": f"You are a Healthcare Location Manager of {case.location}",
            "body": f"{hello}\n\n{made} Log in to the CVMS Provider Portal at {login} with "
            "the email and password of your CVMS account: the Bulk Registration and "
            "Recipients tabs are now open to you.\n",
        }
    return {
        "subject": "You are a Healthcare Location Manager of another location",
        "body": f"{hello}\n\n{made} Log in to the CVMS Provider Portal at {login} with your "
        "account and choose the location at the top of the page.\n",
    }


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
