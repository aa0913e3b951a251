from django.urls import include, path

from . import views

app_name = "bulkupload"

# Under bulk-registration/review/<upload_id>/: a Low Volume file awaiting review.
review = [
    path("", views.low_volume_review, name="low_volume_review"),
    path("create/", views.low_volume_create, name="low_volume_create"),
    path("recheck/", views.low_volume_recheck, name="low_volume_recheck"),
    path("cancel/", views.low_volume_cancel, name="low_volume_cancel"),
]

# Under bulk-registration/high-volume/.
high_volume = [
    path("", views.high_volume, name="high_volume"),
    path("upload/", views.high_volume_upload, name="high_volume_upload"),
    path("<int:upload_id>/start/", views.high_volume_start_kept, name="high_volume_start_kept"),
    path("<int:upload_id>/status/", views.high_volume_status, name="high_volume_status"),
    path("<int:upload_id>/done/", views.high_volume_done, name="high_volume_done"),
    path("recipients/", views.high_volume_recipients, name="high_volume_recipients"),
]

# Under bulk-registration/.
bulk_registration = [
    path("", views.low_volume, name="low_volume"),
    path("upload/", views.low_volume_upload, name="low_volume_upload"),
    path("review/<int:upload_id>/", include(review)),
    path("high-volume/", include(high_volume)),
    path("template.xlsx", views.template_xlsx, name="template_xlsx"),
    path("template.csv", views.template_csv, name="template_csv"),
]

# Under reports/<upload_id>/: one upload's page and what it offers.
upload = [
    path("", views.upload_detail, name="upload_detail"),
    path("failed-records.csv", views.error_file, name="error_file"),
    path("undo/", views.upload_undo, name="upload_undo"),
    path("send-now/", views.upload_send_now, name="upload_send_now"),
    path("changes/", views.accept_changes, name="accept_changes"),
]

urlpatterns = [
    path("bulk-registration/", include(bulk_registration)),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:upload_id>/", include(upload)),
]
