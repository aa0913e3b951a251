"""The recipient portal's staff side: the vaccine groups and their Find My Group rules, the
products, the doses staff record, and, read-only, registrations and second-dose reminders.

What makes a record valid lives in the models' clean() (a form error, never an IntegrityError);
a registration's group is worked out by portal.registrations, as the recipient sees it.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import Truncator

from audit.models import AuditEvent
from audit.trail import record
from providers.models import Location
from providers.readonly import ReadOnlyAdmin, ReadOnlyInline
from recipients.admin import RecipientAdmin, recipient_label

from . import doses, ncir
from .forms import STEPS
from .models import (
    Dose,
    GroupRule,
    NcirMessage,
    Product,
    Registration,
    SecondDoseReminder,
    VaccineGroup,
    VaccineRecord,
    incomplete_record,
)
from .registrations import group_of

# Every answer of the registration form, a section per step, as the recipient answered it.
ANSWERS = [(step.title, list(step.form.base_fields)) for step in STEPS]


class GroupRuleInline(admin.TabularInline):
    model = GroupRule
    extra = 0
    fields = ["criterion", "min_age", "sector"]


@admin.register(VaccineGroup)
class VaccineGroupAdmin(admin.ModelAdmin):
    """Which groups are being vaccinated, and since when; the rules that place people."""

    list_display = ["number", "name", "being_vaccinated", "since"]
    list_display_links = ["number", "name"]
    list_editable = ["being_vaccinated", "since"]
    search_fields = ["name", "description"]
    fields = ["number", "name", "description", "being_vaccinated", "since"]
    inlines = [GroupRuleInline]


@admin.register(GroupRule)
class GroupRuleAdmin(admin.ModelAdmin):
    list_display = ["group", "criterion", "min_age", "sector"]
    list_select_related = ["group"]
    list_filter = ["group", "criterion"]
    search_fields = ["group__name", "criterion", "sector"]
    fields = ["group", "criterion", "min_age", "sector"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "cvx_code", "mvx_code", "dose_count", "second_dose_after_days"]
    search_fields = ["name", "cvx_code", "mvx_code", "manufacturer"]
    fieldsets = [
        (None, {"fields": ["name", "dose_count", "second_dose_after_days"]}),
        (
            "CDC's codes (what NCIR and a health card name the vaccine by)",
            {
                "fields": [
                    ("cvx_code", "mvx_code"),
                    "manufacturer",
                    ("ndc_unit", "ndc_sale"),
                    "dose_amount_ml",
                ]
            },
        ),
    ]


class RecordFilter(admin.SimpleListFilter):
    """Doses recorded without their full record (before it existed, or not filled in)."""

    title = "record"
    parameter_name = "record"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [("incomplete", "Incomplete"), ("complete", "Complete")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Dose]) -> QuerySet[Dose]:
        if self.value() == "incomplete":
            return queryset.filter(incomplete_record())
        if self.value() == "complete":
            return queryset.exclude(incomplete_record())
        return queryset


class DoseColumns:
    """What the dose list and a vaccine record's dose rows both show of a dose."""

    @admin.display(description="record")
    def full_record(self, dose: Dose) -> str:
        return "Incomplete" if dose.is_incomplete else "Complete"

    @admin.display(description="NCIR")
    def ncir_status(self, dose: Dose) -> str:
        return ncir.status_of(dose)


@admin.register(Dose)
class DoseAdmin(DoseColumns, admin.ModelAdmin):
    """The vaccine record: staff record each dose given with its full record (pickers for the
    recipient, product, location and dates; the rules are Dose.clean()'s); who recorded it is
    kept, and each save is audited and reported to NCIR (portal.doses)."""

    list_display = [
        "recipient",
        "product",
        "dose_number",
        "given_on",
        "location",
        "full_record",
        "ncir_status",
        "recorded_by",
    ]
    list_select_related = ["recipient", "product", "location", "recorded_by"]
    list_filter = [RecordFilter, "product", "dose_number"]
    search_fields = ["=recipient__id", "recipient__last_name", "lot_number"]
    search_help_text = "Recipient number (as in “Recipient #123”), last name or lot number."
    autocomplete_fields = ["recipient", "location"]
    fieldsets = [
        (None, {"fields": ["recipient", "product", "dose_number", "given_on", "completion"]}),
        ("Vaccine", {"fields": ["lot_number", "expiration_date", "amount_ml"]}),
        ("Given", {"fields": ["site", "route", "location", "vaccinator_name", "vis_date"]}),
        ("Recorded", {"fields": ["recorded_by", "recorded_at", "ncir_status", "vaccine_record"]}),
    ]
    readonly_fields = ["recorded_by", "recorded_at", "ncir_status", "vaccine_record"]
    date_hierarchy = "given_on"

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "recipient":
            field.label_from_instance = recipient_label  # the chosen one, as the picker says
        return field

    def get_queryset(self, request: HttpRequest) -> QuerySet[Dose]:
        return super().get_queryset(request).prefetch_related("ncir_messages")

    def get_fieldsets(self, request: HttpRequest, obj: Dose | None = None):
        # Who recorded it, when, and what NCIR was told exist once it is saved: the add page
        # does not guess.
        if obj is not None:
            return self.fieldsets
        return self.fieldsets[:-1]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        # "Record a dose" on a vaccine record names the recipient; most doses go in the arm
        # by intramuscular injection.
        return {"route": Dose.Route.INTRAMUSCULAR, **super().get_changeform_initial_data(request)}

    @admin.display(description="recipient's record")
    def vaccine_record(self, dose: Dose) -> str:
        return format_html(
            '<a href="{}">Every dose of {} on one page</a>',
            reverse("admin:portal_vaccinerecord_change", args=[dose.recipient_id]),
            dose.recipient,
        )

    def save_model(self, request: HttpRequest, obj: Dose, form, change: bool) -> None:
        # Who recorded the dose; a later correction is in the object's history (LogEntry)
        # and the audit trail. Save pressed on an unchanged dose corrects nothing: no Update
        # goes to NCIR.
        if change and not form.has_changed():
            return
        doses.save_dose(obj, by=request.user)

    def delete_model(self, request: HttpRequest, obj: Dose) -> None:
        doses.delete_dose(obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Dose]) -> None:
        for dose in queryset:
            doses.delete_dose(dose, by=request.user)


class DoseInline(DoseColumns, ReadOnlyInline):
    """A recipient's doses on their vaccine record, each a link to its own form (where the
    rules, the audit and the report to NCIR apply)."""

    model = Dose
    show_change_link = True
    fields = [
        "dose_number",
        "product",
        "given_on",
        "lot_number",
        "expiration_date",
        "site",
        "route",
        "amount_ml",
        "location",
        "full_record",
        "ncir_status",
    ]
    readonly_fields = fields


@admin.register(VaccineRecord)
class VaccineRecordAdmin(ReadOnlyAdmin):
    """A recipient's whole vaccine record on one page: who they are, every dose, and what
    NCIR was told of each; "Record a dose" opens the dose form for them."""

    list_display = ["id", "last_name", "first_name", "date_of_birth", "location"]
    list_select_related = ["location"]
    # The recipients list's searches, which an index serves (a substring search of the keys
    # would read the whole table).
    search_fields = RecipientAdmin.search_fields
    get_search_results = RecipientAdmin.get_search_results
    search_help_text = "Recipient number, email, or name (3 letters or more)."
    show_full_result_count = False
    fields = ["recipient", "date_of_birth", "location", "record_a_dose"]
    readonly_fields = fields
    inlines = [DoseInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[VaccineRecord]:
        return super().get_queryset(request).active()

    @admin.display(description="recipient")
    def recipient(self, record: VaccineRecord) -> str:
        return f"{record} — {record.first_name} {record.last_name}"

    @admin.display(description="")
    def record_a_dose(self, record: VaccineRecord) -> str:
        return format_html(
            '<a class="button" href="{}?recipient={}">Record a dose</a>',
            reverse("admin:portal_dose_add"),
            record.pk,
        )


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdmin):
    """A recipient's COVID-19 Vaccination Registration as they answered it, and the group
    today's rules place them in."""

    list_display = ["recipient", "status", "started_at", "updated_at", "submitted_at"]
    list_select_related = ["recipient"]
    list_filter = ["status"]
    search_fields = ["=recipient__id", "recipient__last_name"]
    search_help_text = "Recipient number (as in “Recipient #123”) or last name."
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "recipient_link",
                    "status",
                    ("started_at", "updated_at", "submitted_at"),
                    "vaccine_group",
                ]
            },
        ),
        *((title, {"fields": names}) for title, names in ANSWERS),
    ]
    readonly_fields = [
        "recipient_link",
        "status",
        "started_at",
        "updated_at",
        "submitted_at",
        "vaccine_group",
        *(name for _, names in ANSWERS for name in names),
    ]

    @admin.display(description="recipient")
    def recipient_link(self, registration: Registration) -> str:
        recipient = registration.recipient
        return format_html(
            '<a href="{}">{}</a>: {} {}, born {}',
            reverse("admin:recipients_recipient_change", args=[recipient.pk]),
            recipient,
            recipient.first_name,
            recipient.last_name,
            f"{recipient.date_of_birth:%b %-d, %Y}",
        )

    @admin.display(description="vaccine group")
    def vaccine_group(self, registration: Registration) -> str:
        if not registration.is_submitted:
            return "Not submitted yet: no group."
        group = group_of(registration)
        if group is None:
            return "None: no rule places these answers in a group."
        return f"{group} — {group.name}"


@admin.register(SecondDoseReminder)
class SecondDoseReminderAdmin(ReadOnlyAdmin):
    """The reminders sent: one per first dose, with its email's status in the outbox."""

    list_display = ["first_dose", "due_on", "email_status", "created_at"]
    list_select_related = ["first_dose__recipient", "first_dose__product", "email"]
    list_filter = ["email__status", "first_dose__product"]
    search_fields = ["=first_dose__recipient__id", "first_dose__recipient__last_name"]
    search_help_text = "Recipient number (as in “Recipient #123”) or last name."
    fields = ["first_dose", "due_on", "email_status", "created_at"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[SecondDoseReminder]:
        return super().get_queryset(request).defer("email__body")

    @admin.display(description="email", ordering="email__status")
    def email_status(self, reminder: SecondDoseReminder) -> str:
        email = reminder.email
        # In the portal's time zone, and saying which (cvms/formats): the value is UTC.
        when = email.sent_at and date_format(timezone.localtime(email.sent_at), "DATETIME_FORMAT")
        sent = f" on {when}" if when else ""
        return f"{email.get_status_display()}{sent}"


@admin.register(NcirMessage)
class NcirMessageAdmin(admin.ModelAdmin):
    """What NCIR was sent, and what it said: filter Rejected, read the registry's error, fix
    the dose and resend; download a location's day as the batch file the registry loads."""

    list_display = [
        "control_id",
        "action",
        "status",
        "location",
        "recipient_number",
        "created_at",
        "exported_at",
        "acked_at",
        "short_error",
    ]
    list_select_related = ["location"]
    list_filter = ["status", "action"]
    search_fields = ["=control_id", "=recipient__id", "=location__pin", "=batch"]
    search_help_text = "Control id (MSH-10), recipient number, Provider PIN or batch id."
    date_hierarchy = "created_at"
    fields = [
        ("control_id", "action", "status"),
        ("location", "recipient_number", "dose_link"),
        ("created_at", "batch", "exported_at", "acked_at"),
        "error",
        "segments",
    ]
    readonly_fields = [
        "control_id",
        "action",
        "status",
        "location",
        "recipient_number",
        "dose_link",
        "created_at",
        "batch",
        "exported_at",
        "acked_at",
        "error",
        "segments",
    ]
    actions = ["resend", "download_batch"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="recipient", ordering="recipient_id")
    def recipient_number(self, message: NcirMessage) -> str:
        return f"Recipient #{message.recipient_id}"

    @admin.display(description="dose")
    def dose_link(self, message: NcirMessage) -> str:
        if message.dose_id is None:
            return "Deleted"
        url = reverse("admin:portal_dose_change", args=[message.dose_id])
        return format_html('<a href="{}">Dose {}</a>', url, message.dose_id)

    @admin.display(description="registry's error")
    def short_error(self, message: NcirMessage) -> str:
        return Truncator(message.error).chars(60)

    @admin.display(description="message (HL7 v2.5.1)")
    def segments(self, message: NcirMessage) -> str:
        return format_html("<pre>{}</pre>", message.message.replace("\r", "\n"))

    @admin.action(description="Resend the selected rejected messages", permissions=["change"])
    def resend(self, request: HttpRequest, queryset: QuerySet[NcirMessage]) -> None:
        resent = refused = 0
        for message in queryset.select_related("dose__product", "dose__recipient"):
            try:
                ncir.resend(message)
            except ncir.ResendRefused:
                refused += 1
                continue
            record(
                AuditEvent.Action.NCIR_RESENT,
                actor=request.user,
                target=f"NCIR message {message.pk}",
            )
            resent += 1
        if resent:
            self.message_user(request, f"{resent} message(s) queued again as Pending.")
        if refused:
            self.message_user(
                request,
                f"{refused} message(s) left as they were: only rejected ones are resent.",
                messages.WARNING,
            )

    @admin.action(
        description="Download the selected as an NCIR batch file (marks Pending as Exported)",
        permissions=["change"],
    )
    def download_batch(
        self, request: HttpRequest, queryset: QuerySet[NcirMessage]
    ) -> HttpResponse | None:
        locations = list(Location.objects.filter(pk__in=queryset.values("location")))
        if len(locations) != 1:
            self.message_user(
                request,
                "A batch file is one location's: filter by Provider PIN (search) first.",
                messages.ERROR,
            )
            return None
        location = locations[0]
        text, count = ncir.export_batch(location, queryset)
        record(
            AuditEvent.Action.NCIR_EXPORTED,
            actor=request.user,
            target=f"location {location.pin}",
            detail=f"{count} message(s)",
        )
        day = timezone.localdate()
        response = HttpResponse(text, content_type="application/hl7-v2; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="ncir-{location.pin}-{day}.hl7"'
        return response
