from django.contrib import admin

from .models import Case, CaseEvent, CaseFile, Requester


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["number", "kind", "status", "location", "requester", "created_at"]
    list_select_related = ["location", "requester"]
    list_filter = ["status", "kind", "source"]
    search_fields = ["number", "location__pin", "requester__email"]


@admin.register(CaseEvent)
class CaseEventAdmin(admin.ModelAdmin):
    list_display = ["case", "kind", "actor", "created_at"]
    search_fields = ["case__number"]


@admin.register(CaseFile)
class CaseFileAdmin(admin.ModelAdmin):
    list_display = ["case", "file_name", "size", "rows", "failed_rows", "purged_at"]
    search_fields = ["case__number"]


@admin.register(Requester)
class RequesterAdmin(admin.ModelAdmin):
    list_display = ["user", "location", "registration_code", "verified_at"]
    search_fields = ["user__email"]
