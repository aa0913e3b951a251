from django.contrib import admin

from .models import Upload


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "created_at",
        "location",
        "uploaded_by",
        "source",
        "file_name",
        "status",
        "rows",
        "created_count",
        "failed_count",
    ]
    list_select_related = ["location", "uploaded_by"]
    list_filter = ["status", "source", "location__organization"]
    search_fields = ["file_name", "location__pin", "location__name", "uploaded_by__email"]
    date_hierarchy = "created_at"
    raw_id_fields = ["location", "uploaded_by"]
    readonly_fields = [
        "location",
        "uploaded_by",
        "source",
        "file_name",
        "content_sha256",
        "status",
        "rows",
        "processed",
        "created_count",
        "failed_count",
        "already_loaded_count",
        "change_count",
        "problem",
        "created_at",
        "started_at",
        "finished_at",
        # The job's own bookkeeping (jobs.py): a worker's claim, never typed in.
        "heartbeat_at",
        "attempts",
    ]

    def get_queryset(self, request):
        # Files can be megabytes each: never load them for the list.
        return super().get_queryset(request).without_files()

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # An upload is the record of where its recipients came from (the database refuses to
        # delete one they point to). Only files still awaiting review, which nothing points
        # to, are ever deleted, by CANCEL and the hourly purge.
        return False
