"""What a case's admin page tells the agent before they press anything: who is asking and
with which code, whether they are trusted for the location (and how), whether what they typed
matches the record, where the access request stands, and what was done already.

Read-only fields of the case's first fieldset ("What you need to decide"); CaseAdmin mixes
them in. Plain words: the agent need not know how trust is computed, only what to check.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from bulkupload.models import Upload
from providers.models import LocationManager

from .actions import describe, job_summary
from .models import Case, CaseEvent, Verification
from .verification import (
    differences,
    is_generic_code,
    location_has_managers,
    manages,
    registration_code,
    requester_is_trusted,
    verification_for,
)

DECIDE_FIELDS = [
    "code_used",
    "verified_for",
    "already_manages",
    "typed_vs_record",
    "access_request",
    "done_so_far",
]
DONE_KINDS = {
    CaseEvent.Kind.PROCESSED: "Sent for processing",
    CaseEvent.Kind.RESULT: "Recipient file processed",
    CaseEvent.Kind.REMOVED: "Recipient removed",
    CaseEvent.Kind.ONBOARDED: "Onboarded",
    CaseEvent.Kind.VERIFIED: "Requester verified",
    CaseEvent.Kind.ACCESS_APPROVED: "Access approved",
    CaseEvent.Kind.ACCESS_DECLINED: "Access declined",
}


def decide_fields(case: Case) -> list[str]:
    """The fields of "What you need to decide" that apply to the case."""
    if case.requester_id is None:
        return ["done_so_far"]
    if case.kind != Case.Kind.HCP_ONBOARDING:
        return [name for name in DECIDE_FIELDS if name != "access_request"]
    return DECIDE_FIELDS


def _day(moment) -> str:
    return f"{timezone.localtime(moment):%b %-d, %Y}"


def _waiting(case: Case) -> SafeString:
    who = (
        "a manager of the location approves the request on their Home page or you verify"
        if location_has_managers(case.location)
        else "you verify"
    )
    return format_html(
        "<strong>Waiting for verification.</strong> ONBOARD HCP USERS is not offered until {} "
        "the requester (Verify requester: call the location's phone number on file, or check "
        "the organization's enrollment record). To refuse, reject the case with a comment.",
        who,
    )


def _name(user) -> str:
    return (user.get_full_name() or str(user)) if user is not None else "someone"


class DecideFields:
    """The read-only fields of DECIDE_FIELDS, for CaseAdmin."""

    def code_used(self, case: Case) -> str:
        code = registration_code(case.requester)
        if not code:
            return "Did not register on the help desk (signs in with a provider-portal account)."
        if is_generic_code(code):
            return (
                f"{code}: the generic code. Anyone can register with it: it says nothing "
                "about who they are."
            )
        return (
            f"{code}: a Provider PIN. PINs are printed on packing lists: it proves nothing "
            "on its own."
        )

    code_used.short_description = "registration code"

    def verified_for(self, case: Case) -> SafeString:
        requester, location = case.requester, case.location
        if location is None:
            return mark_safe("No location set: set it first (a requester is verified for one).")
        if requester.is_staff:
            return mark_safe("Help-desk staff: trusted for every location.")
        if manages(requester, location):
            return format_html("Already a manager of {}: trusted.", location)
        verification = verification_for(requester, location)
        if verification is not None:
            return format_html("{}", describe(verification))
        elsewhere = ", ".join(
            Verification.objects.filter(user=requester)
            .order_by("location__pin")
            .values_list("location__pin", flat=True)
        )
        text = format_html("<strong>Not verified</strong> for {}.", location.pin)
        if elsewhere:
            text += format_html(" Verified for {} only.", elsewhere)
        if case.kind == Case.Kind.BULK_UPLOAD:
            text += mark_safe(
                " The file may still be processed (it adds people, it shows none); the result "
                "email to the requester gives the counts only."
            )
        return text

    verified_for.short_description = "verified"

    def already_manages(self, case: Case) -> str:
        location = case.location
        if location is None:
            return "No location set."
        if manages(case.requester, location):
            return f"Yes: manages {location}."
        managers = LocationManager.objects.filter(location=location).count()
        if not managers:
            return (
                f"No. {location} has no managers yet: only the help desk can verify the requester."
            )
        return (
            f"No. {location} has {managers} manager(s): they see an HCP Onboarding request from "
            "an unverified requester under Access requests on their Home page."
        )

    already_manages.short_description = "manages the location"

    def typed_vs_record(self, case: Case) -> SafeString:
        if case.location is None:
            return mark_safe("No location set: nothing to compare.")
        found = differences(case)
        if not found:
            return mark_safe("Organization, location and VFC PIN match the record.")
        return format_html_join(
            "",
            '<div class="differs"><strong>{} differs.</strong> Typed: {} — On record: {}</div>',
            ((d.what, d.typed or "(nothing)", d.on_record) for d in found),
        )

    typed_vs_record.short_description = "typed vs on record"

    def access_request(self, case: Case) -> SafeString:
        decided_by, decided_at = case.access_decided_by, case.access_decided_at
        said = []
        if case.access_decision == Case.AccessDecision.APPROVED:
            said.append(format_html("Approved by {} on {}.", _name(decided_by), _day(decided_at)))
        if case.access_decision == Case.AccessDecision.DECLINED:
            said.append(
                format_html(
                    "Declined by {} on {}: {}",
                    _name(decided_by),
                    _day(decided_at),
                    case.access_decision_reason,
                )
            )
        if case.events.filter(kind=CaseEvent.Kind.ONBOARDED).exists():
            said.append(mark_safe("Done: the people were onboarded (see Done so far)."))
        elif requester_is_trusted(case.requester, case.location):
            said.append(mark_safe("The requester is trusted for the location: you may onboard."))
        elif case.is_closed:
            said.append(mark_safe("Nobody was given access."))
        else:
            said.append(_waiting(case))
        return format_html_join(" ", "{}", ((part,) for part in said))

    access_request.short_description = "access request"

    def done_so_far(self, case: Case) -> SafeString:
        events = case.events.filter(kind__in=DONE_KINDS).select_related("actor")
        lines = [
            (f"{DONE_KINDS[event.kind]} on {_day(event.created_at)}", event.text)
            for event in events
        ]
        if case.upload_id is not None and not any(e.kind == CaseEvent.Kind.RESULT for e in events):
            upload = Upload.objects.without_files().get(pk=case.upload_id)
            lines.append(("Processing now", job_summary(upload)))
        if not lines:
            return mark_safe("Nothing yet.")
        return format_html_join("", "<div><strong>{}:</strong> {}</div>", lines)

    done_so_far.short_description = "done so far"
