"""The recipient portal's staff side: the vaccine groups and their Find My Group rules, the
products, the doses staff record, and, read-only, registrations and second-dose reminders.

What makes a record valid lives in the models' clean() (a form error, never an IntegrityError);
a registration's group is worked out by portal.services, as the recipient sees it.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from recipients.admin import recipient_label

from .models import Dose, GroupRule, Product, Registration, SecondDoseReminder, VaccineGroup
from .services import STEPS, group_of

# Every answer of the registration form, a section per step, as the recipient answered it.
ANSWERS = [(title, names) for _, title, names in STEPS]


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
    list_display = ["name", "dose_count", "second_dose_after_days"]
    search_fields = ["name"]
    fields = ["name", "dose_count", "second_dose_after_days"]


@admin.register(Dose)
class DoseAdmin(admin.ModelAdmin):
    """The vaccine record: staff record each dose given; who recorded it is kept."""

    list_display = ["recipient", "product", "dose_number", "given_on", "location", "recorded_by"]
    list_select_related = ["recipient", "product", "location", "recorded_by"]
    list_filter = ["product", "dose_number"]
    search_fields = ["=recipient__id", "recipient__last_name"]
    search_help_text = "Recipient number (as in “Recipient #123”) or last name."
    autocomplete_fields = ["recipient", "location"]
    fields = [
        "recipient",
        "product",
        "dose_number",
        "given_on",
        "location",
        "recorded_by",
        "recorded_at",
    ]
    readonly_fields = ["recorded_by", "recorded_at"]
    date_hierarchy = "given_on"

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "recipient":
            field.label_from_instance = recipient_label  # the chosen one, as the picker says
        return field

    def get_fields(self, request: HttpRequest, obj: Dose | None = None) -> list[str]:
        # Who recorded it, and when, exist once it is saved: the add page does not guess.
        fields = list(super().get_fields(request, obj))
        return fields if obj is not None else [f for f in fields if f not in self.readonly_fields]

    def save_model(self, request: HttpRequest, obj: Dose, form, change: bool) -> None:
        # Who recorded the dose; a later correction is in the object's history (LogEntry).
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by the portal's services only: staff look, nobody edits or deletes here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


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
        sent = f" on {email.sent_at:%b %-d, %Y %-I:%M %p}" if email.sent_at else ""
        return f"{email.get_status_display()}{sent}"
