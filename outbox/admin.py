from django.contrib import admin

from providers.readonly import ReadOnlyAdmin, ReadOnlyInline

from .models import DeliveryEvent, OutboundEmail


class DeliveryEventInline(ReadOnlyInline):
    """The email's history: each answer of the relay, bounce and provider report."""

    model = DeliveryEvent
    fields = readonly_fields = ["at", "status", "source", "reason"]


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
    """The email outbox: what was queued, sent or failed, and why. Staff read it, never edit:
    what was sent is a record, and changing a queued email would send words nobody wrote."""

    list_display = ["id", "created_at", "kind", "user", "status", "attempts", "sent_at"]
    inlines = [DeliveryEventInline]
    list_select_related = ["user"]
    list_filter = ["status", "kind"]
    search_fields = ["user__username", "user__email", "to_email"]
    date_hierarchy = "created_at"
    raw_id_fields = ["user"]
    readonly_fields = [
        "kind",
        "user",
        "to_email",
        "status",
        "attempts",
        "last_error",
        "reason",
        "status_changed_at",
        "deferred_since",
        "created_at",
        "next_attempt_at",
        "last_attempt_at",
        "sent_at",
        "subject",
        "body",
    ]
