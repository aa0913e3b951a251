from django.contrib import admin

from .models import Recipient


@admin.register(Recipient)
class RecipientAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "first_name",
        "last_name",
        "date_of_birth",
        "email",
        "location",
        "created_at",
        "removed_at",
    ]
    list_select_related = ["location"]
    list_filter = [("removed_at", admin.EmptyFieldListFilter), "location__organization"]
    search_fields = ["first_name_key", "last_name_key", "email", "location__pin"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    raw_id_fields = ["location", "upload", "created_by", "removed_by"]
    readonly_fields = [
        "first_name_key",
        "last_name_key",
        "upload",
        "created_by",
        "created_at",
        "removed_at",
        "removed_by",
    ]
    fieldsets = [
        ("Person", {"fields": ["first_name", "last_name", "date_of_birth", "email"]}),
        ("Matching keys", {"fields": ["first_name_key", "last_name_key"]}),
        ("Origin", {"fields": ["location", "upload", "created_by", "created_at"]}),
        ("Removal", {"fields": ["removed_at", "removed_by", "removal_reason"]}),
    ]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Recipients are removed (removed_at), never deleted: the row is the audit trail.
        return False
