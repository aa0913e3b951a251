from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read only, for everyone: the trail is evidence."""

    list_display = ["at", "action", "actor", "target", "detail"]
    list_select_related = ["actor"]
    list_filter = ["action"]
    search_fields = ["target", "actor__username"]
    date_hierarchy = "at"
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
