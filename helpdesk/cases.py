"""A case's life: opened with its number, checked attachment and confirmation email; moved
through its statuses with replies; every step on its timeline and emailed to the requester.

Who may see a case lives here too (`cases_visible_to`): the requester, a manager of the case's
location, and staff with their second factor. Anyone else gets 404, so case numbers reveal nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from sequences import get_next_value

from bulkupload.engine import check_file, nobody
from bulkupload.models import Upload
from bulkupload.retention import delete_files
from outbox.models import OutboundEmail
from outbox.queue import queue_message
from providers.access import has_staff_powers, locations_managed_by
from providers.models import User

from .models import Case, CaseEvent, CaseFile
from .recipient_pages import RECIPIENT_HELP_PAGE, recipient_page_url
from .verification import location_has_managers, waiting_for_verification

CASE_SEQUENCE = "helpdesk.case"
FIRST_CASE_NUMBER = 1001  # CS0001001, as the original help desk's
ERRORS_SHOWN = 5

# Where a case may go from each status. Closing it (resolved, rejected) takes a comment.
TRANSITIONS: dict[str, set[str]] = {
    Case.Status.NEW: {Case.Status.IN_PROGRESS, Case.Status.RESOLVED, Case.Status.REJECTED},
    Case.Status.IN_PROGRESS: {
        Case.Status.AWAITING_INFO,
        Case.Status.RESOLVED,
        Case.Status.REJECTED,
    },
    Case.Status.AWAITING_INFO: {
        Case.Status.IN_PROGRESS,
        Case.Status.RESOLVED,
        Case.Status.REJECTED,
    },
    Case.Status.RESOLVED: {Case.Status.IN_PROGRESS},  # reopened
    Case.Status.REJECTED: {Case.Status.IN_PROGRESS},
}
CLOSED = {Case.Status.RESOLVED, Case.Status.REJECTED}
FINISHED = {Upload.Status.DONE, Upload.Status.REJECTED, Upload.Status.FAILED}


class CaseRefused(Exception):
    """What to fix: an unknown status move, a missing comment, a stale version."""


@dataclass
class Attachment:
    """A file attached on submit and what the check found in it."""

    file_name: str
    data: bytes
    rows: int = 0
    failed_rows: int = 0
    first_errors: list[str] = field(default_factory=list)


def check_recipient_file(data: bytes, file_name: str) -> Attachment:
    """The engine's check of an attached RECIPIENT BULK UPLOAD FILE, writing nothing. Raises
    FileRejected (the engine's message) for a file that cannot be read or misses a column;
    failed rows are counted and do not block the request.

    Only the file itself is checked, not who is loaded already: any help-desk account may
    attach a file, and "already exists" would tell it whether a named person is registered
    anywhere. Duplicates are found when staff process the file, as in any import.
    """
    result = check_file(
        data,
        max_rows=Upload.max_rows_for(Upload.Source.HELP_DESK),
        today=timezone.localdate(),
        existing=nobody,
        max_bytes=settings.UPLOAD_MAX_BYTES,
    )
    return Attachment(
        file_name=file_name,
        data=data,
        rows=result.rows,
        failed_rows=result.failed,
        first_errors=[error.message for error in result.errors[:ERRORS_SHOWN]],
    )


def next_case_number() -> str:
    """CS0001001, CS0001002, ...: django-sequences draws it in the caller's transaction, so
    numbers are unique and, as a rolled-back case gives its number back, gapless."""
    return f"CS{get_next_value(CASE_SEQUENCE, initial_value=FIRST_CASE_NUMBER):07d}"


@transaction.atomic
def open_case(case: Case, *, attachment: Attachment | None = None, by: User | None = None) -> Case:
    """Save a new case (filled in by a form, not saved yet) with its number, its attachment,
    the first entry of its timeline, and the confirmation email to its requester."""
    case.number = next_case_number()
    case.created_at = case.updated_at = timezone.now()
    if by is not None and by != case.requester:
        case.opened_by, case.source = by, Case.Source.PHONE
    case.save()
    if attachment is not None:
        CaseFile.objects.create(
            case=case,
            file_name=attachment.file_name[:255],
            size=len(attachment.data),
            content=attachment.data,
            rows=attachment.rows,
            failed_rows=attachment.failed_rows,
            first_errors=attachment.first_errors,
        )
    record(case, CaseEvent.Kind.OPENED, by or case.requester, f"{case.get_kind_display()} request")
    notify_requester(
        case,
        "emails/case_opened.txt",
        subject=f"Case {case.number} received",
        waiting_for_verification=waiting_for_verification(case),
        location_has_managers=location_has_managers(case.location),
    )
    return case


def change_status(
    case: Case, status: str, *, by: User, comment: str = "", version: int | None = None
) -> Case:
    """Move the case to `status` (TRANSITIONS), with the comment on its timeline and in the
    requester's email. `version` is the one the staff member saw: a case changed since by
    someone else is refused rather than overwritten."""
    comment = comment.strip()
    check_status_change(case, status, comment)
    old = case.status
    with transaction.atomic():
        bump(case, version, status=status, closed_at=timezone.now() if status in CLOSED else None)
        record(case, CaseEvent.Kind.STATUS, by, comment, old_status=old, new_status=status)
        notify_requester(
            case,
            "emails/case_status.txt",
            subject=f"Case {case.number}: {case.get_status_display()}",
            comment=comment,
        )
    return case


def next_statuses(case: Case) -> list[str]:
    """The statuses the case may move to now (TRANSITIONS), in the order of Case.Status."""
    return [status for status in Case.Status if status in TRANSITIONS[case.status]]


def check_status_change(case: Case, status: str, comment: str = "") -> None:
    """Raises CaseRefused unless the case may move to `status` with this comment."""
    if status == case.status:
        raise CaseRefused(f"The case is already {case.get_status_display()}.")
    if status not in TRANSITIONS[case.status]:
        raise CaseRefused(
            f"A case that is {case.get_status_display()} cannot become {Case.Status(status).label}."
        )
    if status in CLOSED and not comment.strip():
        raise CaseRefused(f"Add a comment for the requester: why the case is {status}.")


def lock_at_version(case: Case, version: int | None) -> Case:
    """The case as it is now, locked until the caller's transaction ends; CaseRefused if it is
    no longer at `version` (someone changed it since the caller read it). A form checks this
    before it saves, so a stale page gets a form error rather than a half-made change."""
    current = Case.objects.select_for_update().get(pk=case.pk)
    if version is None or current.version != version:
        raise CaseRefused(_changed_by_someone_else(case))
    return current


def reply(case: Case, text: str, *, by: User, version: int | None = None) -> CaseEvent:
    """A staff reply to the requester, on the timeline and by email."""
    text = text.strip()
    if not text:
        raise CaseRefused("Write the reply first.")
    with transaction.atomic():
        bump(case, version)
        event = record(case, CaseEvent.Kind.COMMENT, by, text)
        notify_requester(
            case, "emails/case_reply.txt", subject=f"Case {case.number}: a reply", comment=text
        )
    return event


def complete(case: Case, *, by: User, version: int | None = None, **fields) -> None:
    """Staff fill in what the request did not give (its location, the recipient to remove):
    written at `version` (see bump) and on the timeline."""
    bump(case, version, **fields)
    text = "; ".join(
        f"{Case._meta.get_field(name).verbose_name.capitalize()}: {value}"
        for name, value in fields.items()
    )
    record(case, CaseEvent.Kind.UPDATED, by, text)


def assign(case: Case, assignee: User | None, *, by: User, version: int | None = None) -> bool:
    """Give the case to `assignee` (None: to nobody), at `version` (see bump), on the timeline
    for staff only: who works a case is the help desk's business, not the requester's. False
    when it is theirs already (nothing written)."""
    if case.assignee_id == (assignee.pk if assignee is not None else None):
        return False
    with transaction.atomic():
        bump(case, version, assignee=assignee)
        text = f"Assigned to {assignee.get_full_name()}" if assignee else "Unassigned"
        record(case, CaseEvent.Kind.ASSIGNED, by, text, internal=True)
    return True


def open_cases() -> QuerySet[Case]:
    """The queue: cases not closed yet, oldest first (the longest waiting is worked first)."""
    return Case.objects.exclude(status__in=CLOSED).order_by("created_at", "id")


def queue_counts(user: User) -> dict[str, int]:
    """The dashboard's counts of open cases: by status, assigned to `user`, to nobody. One
    query."""
    open_now = Case.objects.exclude(status__in=CLOSED)
    return open_now.aggregate(
        new=Count("id", filter=Q(status=Case.Status.NEW)),
        in_progress=Count("id", filter=Q(status=Case.Status.IN_PROGRESS)),
        awaiting_info=Count("id", filter=Q(status=Case.Status.AWAITING_INFO)),
        mine=Count("id", filter=Q(assignee=user)),
        unassigned=Count("id", filter=Q(assignee__isnull=True)),
    )


def bump(case: Case, version: int | None, **fields) -> None:
    """Write `fields` and the next version, if the case is still at `version` (the caller's
    copy when None). One UPDATE: of two staff saving the same case, the second is refused."""
    seen = case.version if version is None else version
    fields.update(version=seen + 1, updated_at=timezone.now())
    if not Case.objects.filter(pk=case.pk, version=seen).update(**fields):
        raise CaseRefused(_changed_by_someone_else(case))
    for name, value in fields.items():
        setattr(case, name, value)


def _changed_by_someone_else(case: Case) -> str:
    return (
        f"Case {case.number} was changed by someone else since you opened it. Reload the "
        "case, check what changed, and make your change again."
    )


def record(case: Case, kind: str, actor: User | None, text: str = "", **fields) -> CaseEvent:
    """One entry on the case's timeline."""
    return CaseEvent.objects.create(case=case, kind=kind, actor=actor, text=text, **fields)


def notify_requester(case: Case, template: str, *, subject: str, **context) -> OutboundEmail | None:
    """Queue an email to the requester through the outbox: what happened, and the link to the
    case's summary (sign-in required; the URL holds the case number only). Never the case's
    files or the recipients' data.

    A recipient's question has no summary page (recipients do not use the help desk's pages):
    its emails link to the contact form instead. Asked signed out, it has no account: they go
    to contact_email, or nowhere when the asker gave no address to answer
    (helpdesk.questions)."""
    question = case.kind == Case.Kind.RECIPIENT_QUESTION
    requester = case.requester
    context.update(
        case=case,
        case_url="" if question else case_url(case),
        help_url=recipient_page_url(RECIPIENT_HELP_PAGE) if question else "",
        greeting_name=case.contact_name if question or requester is None else requester.first_name,
    )
    body = render_to_string(template, context)
    if requester is not None:
        return queue_message(requester, subject=subject, body=body)
    if not case.contact_email:
        return None
    return queue_message(None, subject=subject, body=body, to_email=case.contact_email)


def case_url(case: Case) -> str:
    return settings.SITE_URL + reverse("helpdesk:case", args=[case.number])


def cases_visible_to(user: User) -> QuerySet[Case]:
    """The requester's own cases and those of locations the user manages; all for staff with
    their staff powers (with STAFF_TWO_FACTOR, only a session that passed the second factor:
    `user` is the request's). A staff account signed in at the help desk's door with its
    password alone sees what any requester sees, and so does its failed-records CSV."""
    if not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    if has_staff_powers(user):
        return Case.objects.all()
    return Case.objects.filter(Q(requester=user) | Q(location__in=locations_managed_by(user)))


def get_case_or_404(user: User, number: str) -> Case:
    try:
        return (
            cases_visible_to(user)
            .select_related("location", "requester", "upload")
            .defer("upload__content")  # megabytes; a case page needs its error file at most
            .get(number=number)
        )
    except Case.DoesNotExist:
        raise Http404("No such case.") from None


def purge_case_files(now: dt.datetime | None = None) -> int:
    """Delete the attached files (and the file of the job made from one) of cases closed more
    than HELPDESK_FILE_RETENTION_DAYS ago. Counts and results stay; returns how many."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.HELPDESK_FILE_RETENTION_DAYS)
    expired = CaseFile.objects.filter(
        purged_at__isnull=True, case__closed_at__lt=cutoff, case__status__in=CLOSED
    )
    with transaction.atomic():
        case_ids = list(expired.values_list("case_id", flat=True))
        delete_files(Upload.objects.filter(helpdesk_case__in=case_ids, status__in=FINISHED), now)
        return CaseFile.objects.filter(case_id__in=case_ids).update(content=None, purged_at=now)
