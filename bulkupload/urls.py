from django.urls import path

from . import views

app_name = "bulkupload"

urlpatterns = [
    path("bulk-registration/", views.low_volume, name="low_volume"),
    path("bulk-registration/upload/", views.low_volume_upload, name="low_volume_upload"),
    path(
        "bulk-registration/review/<int:upload_id>/",
        views.low_volume_review,
        name="low_volume_review",
    ),
    path(
        "bulk-registration/review/<int:upload_id>/create/",
        views.low_volume_create,
        name="low_volume_create",
    ),
    path(
        "bulk-registration/review/<int:upload_id>/recheck/",
        views.low_volume_recheck,
        name="low_volume_recheck",
    ),
    path(
        "bulk-registration/review/<int:upload_id>/cancel/",
        views.low_volume_cancel,
        name="low_volume_cancel",
    ),
    path("bulk-registration/high-volume/", views.high_volume, name="high_volume"),
    path(
        "bulk-registration/high-volume/upload/",
        views.high_volume_upload,
        name="high_volume_upload",
    ),
    path(
        "bulk-registration/high-volume/<int:upload_id>/start/",
        views.high_volume_start_kept,
        name="high_volume_start_kept",
    ),
    path(
        "bulk-registration/high-volume/<int:upload_id>/status/",
        views.high_volume_status,
        name="high_volume_status",
    ),
    path(
        "bulk-registration/high-volume/<int:upload_id>/done/",
        views.high_volume_done,
        name="high_volume_done",
    ),
    path(
        "bulk-registration/high-volume/recipients/",
        views.high_volume_recipients,
        name="high_volume_recipients",
    ),
    path("bulk-registration/template.xlsx", views.template_xlsx, name="template_xlsx"),
    path("bulk-registration/template.csv", views.template_csv, name="template_csv"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:upload_id>/", views.upload_detail, name="upload_detail"),
    path("reports/<int:upload_id>/failed-records.csv", views.error_file, name="error_file"),
    path("reports/<int:upload_id>/undo/", views.upload_undo, name="upload_undo"),
    path("reports/<int:upload_id>/send-now/", views.upload_send_now, name="upload_send_now"),
    path("reports/<int:upload_id>/changes/", views.accept_changes, name="accept_changes"),
]
