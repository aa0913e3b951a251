from django.contrib import admin

from .models import DeliveryEvent, OutboundEmail


class DeliveryEventInline(admin.TabularInline):
    """The email's history: each answer of the relay, bounce and provider report."""

    model = DeliveryEvent
    fields = readonly_fields = ["at", "status", "source", "reason"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    """The email outbox: what was queued, sent or failed, and why. Staff read it, never edit."""

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

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # What was sent is a record: changing a queued email would send words nobody wrote.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
