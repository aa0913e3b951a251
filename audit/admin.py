from django.contrib import admin

from providers.readonly import ReadOnlyAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read only, for everyone: the trail is evidence."""

    list_display = ["at", "action", "actor", "target", "detail"]
    list_select_related = ["actor"]
    list_filter = ["action"]
    search_fields = ["target", "actor__username"]
    date_hierarchy = "at"
    show_full_result_count = False
