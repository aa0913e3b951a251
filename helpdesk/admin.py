"""The help desk's staff side: the case queue, each case's page with its actions, and the
records around it (timeline, attachments, requesters), all read-only but for the work itself.

Nothing here decides anything: statuses move through helpdesk.cases, actions run
helpdesk.actions; the admin confirms, calls, says what happened and keeps a LogEntry.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.http import content_disposition_header
from django.utils.timesince import timesince
from django_object_actions import DjangoObjectActions, action

from audit import trail
from audit.models import AuditEvent
from bulkupload.models import Upload
from providers.models import User
from providers.readonly import ReadOnlyAdmin, ReadOnlyInline
from recipients.admin import recipient_label

from . import actions, cases
from .admindecide import DECIDE_FIELDS, DecideFields, decide_fields
from .adminforms import CaseAddForm, CaseChangeForm, VerificationForm
from .models import Case, CaseEvent, CaseFile, Requester, Verification
from .verification import differences, registration_code, requester_is_trusted

CONFIRM_TEMPLATE = "admin/confirm_object_action.html"
# What the requester typed: staff read it, never rewrite it.
AS_TYPED = [
    "vfc_pin",
    "organization_name",
    "location_name",
    "contact_name",
    "contact_email",
    "contact_phone",
    "description",
]
ACTIONS_BY_KIND = {
    Case.Kind.BULK_UPLOAD: ["process_file"],
    Case.Kind.REMOVAL: ["remove_recipient"],
    Case.Kind.HCP_ONBOARDING: ["onboard_people"],
    Case.Kind.RECIPIENT_QUESTION: [],  # answered with a reply
}
OBJECT_ACTION = {"methods": ("POST",), "button_type": "form"}
STATUS_LABELS = dict(Case.Status.choices)


def event_in_words(event: CaseEvent) -> str:
    """ "Status: New → In progress", "Reply", "Assigned": a timeline entry's kind as staff read
    it, never its code."""
    if event.kind == CaseEvent.Kind.STATUS:
        old = STATUS_LABELS.get(event.old_status, event.old_status)
        new = STATUS_LABELS.get(event.new_status, event.new_status)
        return f"Status: {old} → {new}"
    return event.get_kind_display()


def seen_by_words(event: CaseEvent) -> str:
    # Internal entries (a download, an assignment) never reach the requester's page.
    return "Staff only" if event.internal else "Requester and staff"


def _staff_name(user) -> str:
    return user.get_full_name() if user is not None else "nobody"


class QueueStateFilter(admin.SimpleListFilter):
    """Open cases unless asked otherwise: the queue is the work still to do. A search looks
    through every case (a closed case's number is still found)."""

    title = "open or closed"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("closed", "Closed"), ("all", "All cases")]

    def choices(self, changelist):
        chosen = self.value() or "open"
        for value, label in self.lookup_choices:
            yield {
                "selected": chosen == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value()
        if value is None and request.GET.get("q"):
            return queryset
        if value in (None, "open"):
            return queryset.exclude(status__in=cases.CLOSED)
        if value == "closed":
            return queryset.filter(status__in=cases.CLOSED)
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    """Assigned to me, to nobody, or to one agent (the active staff)."""

    title = "assigned to"
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        agents = User.objects.filter(is_staff=True, is_active=True).order_by(
            "first_name", "last_name", "username"
        )
        return [
            ("me", "Assigned to me"),
            ("none", "Unassigned"),
            *((str(agent.pk), agent.get_full_name()) for agent in agents),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "me":
            return queryset.filter(assignee=request.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value and value.isdigit():
            return queryset.filter(assignee_id=int(value))
        return queryset


def _verification_details(case: Case) -> list[str]:
    """What the agent reads before verifying: who, with which code, what differs, and how to
    check."""
    requester, location = case.requester, case.location
    code = registration_code(requester) or "no help-desk registration"
    details = [
        f"{requester.get_full_name() or requester} <{requester.email}> registered with {code}. "
        "Neither a Provider PIN (printed on packing lists) nor VAC2021 proves who they are.",
        *(
            f"{d.what} differs. Typed: {d.typed or '(nothing)'} — On record: {d.on_record}"
            for d in differences(case)
        ),
        f"Check that they work at {location} before you verify them: call the location's "
        "phone number on file and ask for them, ask an existing manager of the location, or "
        "check the organization's enrollment record.",
        "Once verified, they are trusted for this location: the people an HCP Onboarding "
        "request of theirs lists may be made its managers, and see its recipients.",
    ]
    if case.access_decision == Case.AccessDecision.DECLINED:
        details.append(
            f"A manager of the location declined this request: {case.access_decision_reason} "
            "Write in the note why you verify the requester anyway."
        )
    return details


class CaseEventInline(ReadOnlyInline):
    """The timeline, as the services wrote it, in words: nobody adds, edits or deletes an entry."""

    model = CaseEvent
    fields = ["when", "what", "by", "note", "seen_by"]
    readonly_fields = fields
    verbose_name = "timeline entry"
    verbose_name_plural = "timeline"
    template = "admin/helpdesk/timeline.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description="when")
    def when(self, event: CaseEvent) -> str:
        return date_format(timezone.localtime(event.created_at), "DATETIME_FORMAT")

    @admin.display(description="note")
    def note(self, event: CaseEvent) -> str:
        return event.text or "-"

    @admin.display(description="what happened")
    def what(self, event: CaseEvent) -> str:
        return event_in_words(event)

    @admin.display(description="by")
    def by(self, event: CaseEvent) -> str:
        return event.actor.get_full_name() if event.actor else "CVMS (automatic)"

    @admin.display(description="seen by")
    def seen_by(self, event: CaseEvent) -> str:
        return seen_by_words(event)


@admin.register(Case)
class CaseAdmin(DecideFields, DjangoObjectActions, admin.ModelAdmin):
    """The queue, and a case's page: the request as typed, its file and job, its timeline, the
    status and reply form, and the actions that apply to its kind."""

    list_display = ["number", "kind", "status", "assigned_to", "age", "location", "requester_shown"]
    list_select_related = ["location", "requester", "assignee"]
    list_filter = [
        QueueStateFilter,
        AssigneeFilter,
        "status",
        "kind",
        "source",
        "location__organization",
    ]
    # Oldest first: the case waiting longest is worked first.
    ordering = ["created_at", "id"]
    actions = ["assign_selected_to_me"]
    search_fields = [
        "number",
        "location__pin",
        "location__name",
        "requester__username",
        "requester__email",
        "contact_name",
        "contact_email",
    ]
    autocomplete_fields = ["location", "recipient"]
    change_actions = [
        "process_file",
        "remove_recipient",
        "onboard_people",
        "verify_requester",
        "assign_to_me",
    ]

    # The queue ----------------------------------------------------------------------------

    @admin.display(description="requester", ordering="requester__username")
    def requester_shown(self, case: Case) -> str:
        # A recipient's question asked signed out has no account: who typed what, and that
        # answers go to that address.
        if case.requester is not None:
            return str(case.requester)
        return (
            f"{case.contact_name} <{case.contact_email or 'no address to answer'}> (not signed in)"
        )

    @admin.display(description="age", ordering="created_at")
    def age(self, case: Case) -> str:
        return f"{timesince(case.created_at, depth=1)} ago"

    @admin.display(description="assigned to", ordering="assignee__first_name")
    def assigned_to(self, case: Case) -> str:
        return case.assignee.get_full_name() if case.assignee else "Unassigned"

    @admin.action(permissions=["change"], description="Assign the selected cases to me")
    def assign_selected_to_me(self, request, queryset) -> None:
        taken, mine, others = 0, 0, []
        for case in queryset.select_related("assignee"):
            outcome = self._assign_to(request, case, request.user)
            if outcome == "assigned":
                taken += 1
            elif outcome == "yours":
                mine += 1
            else:
                others.append(f"{case.number} ({_staff_name(case.assignee)})")
        self.message_user(request, f"{taken} case(s) assigned to you.", messages.SUCCESS)
        if mine:
            self.message_user(request, f"{mine} were assigned to you already.", messages.INFO)
        if others:
            self.message_user(
                request,
                "Not taken over, assigned to someone else: " + ", ".join(others) + ". To take "
                "one over, choose yourself under “Assigned to” on its page.",
                messages.WARNING,
            )

    def _assign_to(self, request, case: Case, agent: User) -> str:
        """Assign an unassigned case to `agent`; never takes a case over from someone else
        (that is a deliberate choice on the case's page). Returns what happened."""
        if case.assignee_id == agent.pk:
            return "yours"
        if case.assignee_id is not None:
            return "someone else's"
        try:
            cases.assign(case, agent, by=request.user, version=case.version)
        except cases.CaseRefused:
            return "someone else's"  # changed meanwhile: possibly taken
        self.log_change(request, case, f"Assigned to {agent.get_full_name()}.")
        return "assigned"

    # The case's page ----------------------------------------------------------------------

    @admin.display(description="opened by")
    def opened_by_words(self, case: Case) -> str:
        if case.opened_by is not None:
            return f"{case.opened_by.get_full_name()} ({case.get_source_display()})"
        return f"the requester ({case.get_source_display()})"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "assignee":
            field.queryset = field.queryset.order_by("first_name", "last_name", "username")
            field.label = "Assigned to"
            field.label_from_instance = User.get_full_name
            field.empty_label = "Nobody (unassigned)"
            field.help_text = "The agent working the case; “Assign to me” above does the same."
        if db_field.name == "recipient":
            field.label_from_instance = recipient_label
        return field

    def render_change_form(self, request, context, add=False, change=False, **kwargs):
        # A case's page is for working that case; a phone case is opened from the queue.
        context["show_save_and_add_another"] = False
        case = context.get("original")
        for tool in context.get("objectactions", []):
            if tool["name"] == "verify_requester" and case is not None and case.location:
                tool["label"] = f"Verify requester for {case.location.pin}"
        return super().render_change_form(request, context, add, change, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = CaseChangeForm if obj is not None else CaseAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                ("Caller", {"fields": ["requester_email"]}),
                ("Request", {"fields": ["kind", "location", *AS_TYPED, "removal_reason"]}),
                ("Recipient Bulk Upload", {"fields": ["recipient_file"]}),
                ("HCP Onboarding", {"fields": ["people_text"]}),
                ("Removal", {"fields": ["recipient"]}),
            ]
        typed = [*AS_TYPED]
        if obj.kind == Case.Kind.REMOVAL:
            typed.append("removal_reason")
        if obj.kind == Case.Kind.HCP_ONBOARDING:
            typed.append("people_list")
        names_recipient = obj.kind in {Case.Kind.REMOVAL, Case.Kind.RECIPIENT_QUESTION}
        applies = ["location"] + (["recipient"] if names_recipient else [])
        fieldsets = [
            ("What you need to decide", {"fields": decide_fields(obj)}),
            (
                None,
                {
                    "fields": [
                        ("number", "kind", "status", "source"),
                        ("requester_shown", "opened_by_words", "assigned_to"),
                        ("created_at", "updated_at", "closed_at"),
                    ]
                },
            ),
            ("As the requester typed it", {"fields": typed}),
            ("Where it applies", {"fields": applies}),
        ]
        if obj.kind == Case.Kind.BULK_UPLOAD or CaseFile.objects.filter(case=obj).exists():
            fieldsets.append(("Attached file", {"fields": ["attachment_summary", "job"]}))
        if self.has_change_permission(request, obj):
            work = ["assignee", "new_status", "comment", "reply", "seen_version"]
            fieldsets.append(("Work on the case", {"fields": work}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        fixed = [
            "number",
            "kind",
            "status",
            "source",
            "requester_shown",
            "opened_by_words",
            "assigned_to",
            "created_at",
            "updated_at",
            "closed_at",
            *AS_TYPED,
            "removal_reason",
            "people_list",
            "attachment_summary",
            "job",
            *DECIDE_FIELDS,
        ]
        # Staff fill in the location and the recipient when the request did not name them;
        # once set, the actions have used or may use them.
        if obj.location_id is not None:
            fixed.append("location")
        if obj.recipient_id is not None:
            fixed.append("recipient")
        return fixed

    def get_inlines(self, request, obj):
        return [CaseEventInline] if obj is not None else []

    @admin.display(description="people to onboard")
    def people_list(self, case: Case):
        return (
            format_html_join(
                "\n",
                "<div>{} {} &lt;{}&gt;</div>",
                (
                    (p.get("first_name", ""), p.get("last_name", ""), p.get("email", ""))
                    for p in case.people
                ),
            )
            or "-"
        )

    @admin.display(description="attached file")
    def attachment_summary(self, case: Case):
        attachment = CaseFile.objects.filter(case=case).defer("content").first()
        if attachment is None:
            return "No file attached."
        summary = format_html(
            "<div><strong>{}</strong>, {}: {} row(s), {} failed when checked on submit.</div>",
            attachment.file_name,
            filesizeformat(attachment.size),
            attachment.rows,
            attachment.failed_rows,
        )
        errors = format_html_join(
            "", "<div>&bull; {}</div>", ((e,) for e in attachment.first_errors)
        )
        if errors:
            summary += format_html("<div>First errors:</div>{}", errors)
        if attachment.purged_at is not None:
            return summary + format_html(
                "<div>The file was deleted on {} (retention period); its counts stay.</div>",
                f"{attachment.purged_at:%b %-d, %Y}",
            )
        url = reverse("admin:helpdesk_case_attachment", args=[case.pk])
        return summary + format_html(
            '<div><a href="{}">Download the file</a> (staff only; each download is recorded)</div>',
            url,
        )

    @admin.display(description="job")
    def job(self, case: Case):
        if case.upload_id is None:
            return "Not sent for processing yet."
        upload = Upload.objects.without_files().get(pk=case.upload_id)
        return format_html(
            '<a href="{}">Upload #{}</a>: {} ({} of {} row(s) processed, {} created, {} failed)',
            reverse("admin:bulkupload_upload_change", args=[upload.pk]),
            upload.pk,
            upload.get_status_display(),
            upload.processed,
            upload.rows if upload.rows is not None else "?",
            upload.created_count,
            upload.failed_count,
        )

    # Saving: through the services only --------------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except cases.CaseRefused as refused:
            # A race the form's lock could not stop (SQLite does not lock rows): the admin's
            # transaction is rolled back; say why.
            messages.error(request, str(refused))
            return HttpResponseRedirect(request.path)

    def save_model(self, request, obj: Case, form, change: bool) -> None:
        if not change:
            obj.requester, obj.people = form.requester, form.people
            cases.open_case(obj, attachment=form.attachment, by=request.user)
            return
        data = form.cleaned_data
        # The case as it is now (the form locked it at the version the page showed).
        case = Case.objects.get(pk=obj.pk)
        filled = {name: data[name] for name in ("location", "recipient") if name in data}
        filled = {name: value for name, value in filled.items() if value is not None}
        version = data["seen_version"]
        if filled:
            cases.complete(case, by=request.user, version=version, **filled)
            version = case.version
        if "assignee" in data and cases.assign(
            case, data["assignee"], by=request.user, version=version
        ):
            version = case.version
        if data.get("new_status"):
            cases.change_status(
                case, data["new_status"], by=request.user, comment=data["comment"], version=version
            )
            version = case.version
        if data.get("reply", "").strip():
            cases.reply(case, data["reply"], by=request.user, version=version)

    def has_delete_permission(self, request, obj=None) -> bool:
        # A case is the record of what was asked and done: closed (resolved, rejected), never
        # deleted.
        return False

    # The attachment ------------------------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "<path:object_id>/attachment/",
                self.admin_site.admin_view(self.download_attachment),
                name="helpdesk_case_attachment",
            ),
            *super().get_urls(),
        ]

    def download_attachment(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The attached file, to staff allowed to see case files; each download is a LogEntry
        and an internal entry of the timeline. 404 once the file is deleted."""
        case = self.get_object(request, unquote(object_id))
        if case is None:
            raise Http404("No such case.")
        if not (
            self.has_view_permission(request, case)
            and request.user.has_perm("helpdesk.view_casefile")
        ):
            raise PermissionDenied
        attachment = CaseFile.objects.filter(case=case, content__isnull=False).first()
        if attachment is None:
            raise Http404("No attached file: none was attached, or it was deleted.")
        message = f"Downloaded the attached file {attachment.file_name}."
        cases.record(case, CaseEvent.Kind.DOWNLOADED, request.user, message, internal=True)
        self.log_change(request, case, message)
        trail.record(
            AuditEvent.Action.FILE_DOWNLOADED,
            actor=request.user,
            target=f"case {case.number}",
            detail="the attached recipient file",
        )
        response = HttpResponse(bytes(attachment.content), content_type="application/octet-stream")
        response["Content-Disposition"] = content_disposition_header(True, attachment.file_name)
        response["Cache-Control"] = "no-store"
        return response

    # Actions -------------------------------------------------------------------------------

    def get_change_actions(self, request, object_id, form_url):
        case = self.get_object(request, object_id)
        if case is None or not self.has_change_permission(request, case):
            return []
        # A button that does not apply is not offered; what was done shows under "What you
        # need to decide" (the actions stay idempotent for a page opened before).
        done = set(case.events.values_list("kind", flat=True))
        names = [
            name
            for name in ACTIONS_BY_KIND.get(case.kind, [])
            if not (name == "process_file" and case.upload_id is not None)
            and not (name == "remove_recipient" and CaseEvent.Kind.REMOVED in done)
            and not (name == "onboard_people" and CaseEvent.Kind.ONBOARDED in done)
        ]
        trusted = requester_is_trusted(case.requester, case.location)
        if "onboard_people" in names and not trusted:
            names.remove("onboard_people")  # "Waiting for verification" says why
        if (
            case.location_id is not None
            and case.requester_id is not None
            and not trusted
            and request.user.has_perm("helpdesk.add_verification")
        ):
            names.append("verify_requester")
        if case.assignee_id != request.user.pk:
            names.append("assign_to_me")
        return names

    @action(
        label="Process attached recipient file",
        description="Create the file's recipients at the case's location",
        **OBJECT_ACTION,
    )
    def process_file(self, request, case: Case):
        attachment = CaseFile.objects.filter(case=case).defer("content").first()
        details = [
            f"The attached file {attachment.file_name} ({attachment.rows:,} row(s), "
            f"{attachment.failed_rows:,} failed when checked) is processed as a job of "
            f"{case.location or 'the case’s location (none set yet)'}."
            if attachment
            else "The case has no attached file.",
            "Its recipients are created there and receive their welcome emails; rows that fail "
            "are reported to the requester.",
        ]
        return self._confirm_and_run(
            request, case, "Process attached recipient file", details, actions.process_case_file
        )

    @action(
        label="Remove recipient",
        description="Remove the recipient the case names",
        **OBJECT_ACTION,
    )
    def remove_recipient(self, request, case: Case):
        recipient = case.recipient
        details = (
            [
                f"Recipient #{recipient.pk} ({recipient.first_name} {recipient.last_name}, "
                f"{recipient.location}) is removed: they leave the location's lists and counts, "
                "and their portal account can no longer sign in.",
                f"Reason kept for audit: {case.number}: {case.removal_reason or case.description}",
            ]
            if recipient
            else ["The case names no recipient yet: set it on the case first."]
        )
        return self._confirm_and_run(
            request, case, "Remove recipient", details, actions.remove_case_recipient
        )

    @action(
        label="Onboard HCP users",
        description="Make the listed people Healthcare Location Managers",
        **OBJECT_ACTION,
    )
    def onboard_people(self, request, case: Case):
        details = [
            f"{p.get('first_name', '')} {p.get('last_name', '')} <{p.get('email', '')}>"
            for p in case.people
        ] + [
            f"Each becomes a Healthcare Location Manager of {case.location or '(no location)'}; "
            "a new account is emailed a link to set its password."
        ]
        return self._confirm_and_run(
            request, case, "Onboard HCP users", details, actions.onboard_case_people
        )

    @action(
        label="Verify requester",
        description="Record how you checked who the requester is, for the case's location",
        **OBJECT_ACTION,
    )
    def verify_requester(self, request, case: Case):
        """A confirmation page that asks how the requester was checked (and a note for
        "other", or after a manager declined); the confirming POST records the Verification."""
        if not (
            self.has_change_permission(request, case)
            and request.user.has_perm("helpdesk.add_verification")
        ):
            raise PermissionDenied
        back = reverse("admin:helpdesk_case_change", args=[case.pk])
        confirming = request.POST.get("confirm") == "yes"
        form = VerificationForm(request.POST if confirming else None, case=case)
        if confirming and form.is_valid():
            try:
                outcome = actions.verify_requester(case, by=request.user, **form.cleaned_data)
            except cases.CaseRefused as refused:
                messages.error(request, str(refused))
            else:
                self.log_change(request, case, f"Verify requester: {outcome.message}")
                (messages.success if outcome.ran else messages.info)(request, outcome.message)
            return HttpResponseRedirect(back)
        pin = case.location.pin if case.location else "(no location)"
        context = {
            **self.admin_site.each_context(request),
            "title": f"Verify requester for {pin}",
            "question": f"Verify {case.requester} for {case.location}, on case {case.number}?",
            "details": _verification_details(case),
            "form": form,
            "opts": self.model._meta,
            "object": case,
            "action_url": request.path,
            "back_url": back,
        }
        status = 400 if confirming else 200
        return TemplateResponse(request, CONFIRM_TEMPLATE, context, status=status)

    @action(
        label="Assign to me",
        description="Make yourself the agent working this case",
        **OBJECT_ACTION,
    )
    def assign_to_me(self, request, case: Case):
        if not self.has_change_permission(request, case):
            raise PermissionDenied
        outcome = self._assign_to(request, case, request.user)
        if outcome == "assigned":
            messages.success(request, f"Case {case.number} is assigned to you.")
        elif outcome == "yours":
            messages.info(request, f"Case {case.number} was assigned to you already.")
        else:
            case.refresh_from_db()
            messages.warning(
                request,
                f"Case {case.number} is assigned to {_staff_name(case.assignee)}. To take it "
                "over, choose yourself under “Assigned to” and save.",
            )
        return HttpResponseRedirect(reverse("admin:helpdesk_case_change", args=[case.pk]))

    def _confirm_and_run(
        self,
        request: HttpRequest,
        case: Case,
        title: str,
        details: list[str],
        service: Callable[..., actions.Outcome],
    ) -> HttpResponse:
        """The first POST shows what will happen; the one that confirms runs the service."""
        if not self.has_change_permission(request, case):
            raise PermissionDenied
        back = reverse("admin:helpdesk_case_change", args=[case.pk])
        if request.POST.get("confirm") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": title,
                "question": f"{title} for case {case.number}?",
                "details": details,
                "opts": self.model._meta,
                "object": case,
                "action_url": request.path,
                "back_url": back,
            }
            return TemplateResponse(request, CONFIRM_TEMPLATE, context)
        try:
            outcome = service(case, by=request.user)
        except cases.CaseRefused as refused:
            messages.error(request, str(refused))
        else:
            ran = "" if outcome.ran else " (not run again)"
            self.log_change(request, case, f"{title}{ran}: {outcome.message}")
            trail.record(
                AuditEvent.Action.CASE_ACTION,
                actor=request.user,
                target=f"case {case.number}",
                detail=f"{title}{ran}: {outcome.message}",
            )
            (messages.success if outcome.ran else messages.info)(request, outcome.message)
        return HttpResponseRedirect(back)


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "actor", "seen_by", "created_at"]
    list_select_related = ["case", "actor"]
    list_filter = ["kind", "internal"]
    search_fields = ["case__number"]

    @admin.display(description="seen by", ordering="internal")
    def seen_by(self, event: CaseEvent) -> str:
        return seen_by_words(event)


@admin.register(CaseFile)
class CaseFileAdmin(ReadOnlyAdmin):
    """The attachments' check results; the files themselves are downloaded from their case."""

    list_display = ["case", "file_name", "size", "rows", "failed_rows", "purged_at"]
    list_select_related = ["case"]
    search_fields = ["case__number", "file_name"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content")


@admin.register(Verification)
class VerificationAdmin(ReadOnlyAdmin):
    """Who was verified for which location, by whom and how; recorded from a case."""

    list_display = ["user", "location", "method", "verified_by", "verified_at", "case"]
    list_select_related = ["user", "location", "verified_by", "case"]
    list_filter = ["method"]
    search_fields = ["user__username", "location__pin", "case__number"]


@admin.register(Requester)
class RequesterAdmin(admin.ModelAdmin):
    """Help-desk accounts. Registering (with a Provider PIN or VAC2021) verifies nobody:
    verification is per location, recorded from a case (Verify requester) or by a manager's
    approval; the list shows the locations each requester is verified for."""

    list_display = ["user", "location", "registration_code", "verified_for", "created_at"]
    list_select_related = ["user", "location"]
    search_fields = ["user__username", "user__email", "location__pin", "registration_code"]
    autocomplete_fields = ["location"]
    # verified_at and verified_by are the account-wide verification of before; migration
    # helpdesk 0006 turned them into Verifications.
    exclude = ["verified_at", "verified_by"]
    readonly_fields = [
        "user",
        "registration_code",
        "must_change_password",
        "verified_for",
        "created_at",
    ]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).prefetch_related("user__location_verifications__location")
        )

    @admin.display(description="verified for")
    def verified_for(self, profile: Requester) -> str:
        pins = sorted(v.location.pin for v in profile.user.location_verifications.all())
        return ", ".join(pins) or "no location"

    def has_add_permission(self, request) -> bool:
        # Requesters register on the help desk's Register page (helpdesk.registration).
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
