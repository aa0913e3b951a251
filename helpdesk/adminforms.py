"""The forms of the case admin: a case worked by staff, and a case opened for a phone caller.

They hold no rules of their own: what a case may become, and whether the page is stale, are
asked of helpdesk.cases; the admin saves through its services.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.validators import validate_email
from django.template.defaultfilters import filesizeformat

from bulkupload.engine import FileRejected
from providers.models import User, normalize_login_email

from . import cases
from .access import may_use_help_desk
from .models import Case, Verification
from .verification import STAFF_METHODS

STALE = "seen_version"


class CaseChangeForm(forms.ModelForm):
    """Staff's work on a case: a status move (with its comment), a reply, and the location or
    recipient when the request did not give them. `seen_version` is the case's version when the
    page was opened: a save from a page older than the case is refused, not merged."""

    new_status = forms.ChoiceField(label="Status", required=False)
    comment = forms.CharField(
        label="Comment to the requester",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Emailed with the status change; required to resolve or reject the case.",
    )
    reply = forms.CharField(
        label="Reply to the requester",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Emailed to the requester and put on the timeline; the status stays.",
    )
    seen_version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Case
        fields: list[str] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        case = self.instance
        self.fields["new_status"].choices = [
            ("", f"{case.get_status_display()} (unchanged)"),
            *((status, Case.Status(status).label) for status in cases.next_statuses(case)),
        ]
        self.fields[STALE].initial = case.version

    def clean(self) -> dict:
        data = super().clean()
        if STALE not in data:
            return data
        status, comment = data.get("new_status"), data.get("comment", "")
        try:
            # Locked until the admin's transaction ends: nobody changes the case between this
            # check and the save.
            current = cases.lock_at_version(self.instance, data[STALE])
            if status:
                cases.check_status_change(current, status, comment)
        except cases.CaseRefused as refused:
            raise forms.ValidationError(str(refused)) from None
        if comment.strip() and not status:
            self.add_error(
                "comment",
                "The comment goes with a status change: choose the new status, or write a "
                "reply instead.",
            )
        return data


class CaseAddForm(forms.ModelForm):
    """A case opened by staff for a caller. The requester is named by the email they sign in
    with: staff cannot browse the accounts."""

    requester_email = forms.EmailField(
        label="Requester's email",
        help_text="The email the caller signs in with (a help-desk or provider-portal account).",
    )
    recipient_file = forms.FileField(
        label="RECIPIENT BULK UPLOAD FILE",
        required=False,
        help_text="For a Recipient Bulk Upload: the caller's file (.csv or .xlsx), checked now.",
    )
    people_text = forms.CharField(
        label="People to onboard",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text="For HCP Onboarding: one person a line, as First name, Last name, email.",
    )

    class Meta:
        model = Case
        fields: list[str] = []

    attachment: cases.Attachment | None = None
    people: list[dict[str, str]] = []

    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("kind")
        if kind == Case.Kind.BULK_UPLOAD:
            self.attachment = self._checked_file(data.get("recipient_file"))
        if kind == Case.Kind.HCP_ONBOARDING:
            self.people = self._people(data.get("people_text", ""))
        return data

    def _checked_file(self, upload) -> cases.Attachment | None:
        if upload is None:
            self.add_error("recipient_file", "Attach the caller's recipient file.")
            return None
        if upload.size > settings.UPLOAD_MAX_BYTES:
            limit = filesizeformat(settings.UPLOAD_MAX_BYTES)
            self.add_error("recipient_file", f"The file is larger than {limit}.")
            return None
        try:
            return cases.check_recipient_file(upload.read(), upload.name)
        except FileRejected as rejection:
            self.add_error("recipient_file", rejection.message)
            return None

    def _people(self, text: str) -> list[dict[str, str]]:
        people = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split(",")]
            try:
                first, last, email = parts
                validate_email(email)
            except (ValueError, forms.ValidationError):
                self.add_error(
                    "people_text",
                    f"Line {number}: write First name, Last name, email (for example "
                    "Pat, Lee, pat.lee@clinic.example).",
                )
                continue
            people.append({"first_name": first, "last_name": last, "email": email})
        if not people and not self.has_error("people_text"):
            self.add_error("people_text", "Add at least one person to onboard.")
        return people

    def clean_requester_email(self) -> str:
        email = normalize_login_email(self.cleaned_data["requester_email"])
        user = User.objects.filter(username=email).first()
        if user is None or not may_use_help_desk(user):
            raise forms.ValidationError(
                "No help-desk account signs in with this email. The caller registers on the "
                "CVMS Help Desk Portal first (a Healthcare Location Manager's account works too)."
            )
        self.requester = user
        return email


class VerificationForm(forms.Form):
    """How staff checked who a case's requester is: a method (never "unknown", which only the
    migration wrote) and a note, required for "other" and after a manager declined."""

    method = forms.ChoiceField(
        label="How you checked",
        choices=[("", "Choose how you checked")] + STAFF_METHODS,
        error_messages={"required": "Choose how you checked who the requester is."},
    )
    note = forms.CharField(
        label="Note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text='Who you spoke to, what you checked. Required for "Other", and when a manager '
        "of the location declined the request.",
    )

    def __init__(self, *args, case: Case, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.case = case

    def clean(self) -> dict:
        data = super().clean()
        if data.get("note", "").strip():
            return data
        if data.get("method") == Verification.Method.OTHER:
            self.add_error("note", 'Say how you checked: "Other" needs a note.')
        elif self.case.access_decision == Case.AccessDecision.DECLINED:
            self.add_error(
                "note", "A manager of the location declined: say why you verify the requester."
            )
        return data
