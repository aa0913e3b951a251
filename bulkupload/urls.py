from django.urls import path

from . import views

app_name = "bulkupload"

urlpatterns = [
    path("bulk-registration/", views.low_volume, name="low_volume"),
    path("bulk-registration/high-volume/", views.high_volume, name="high_volume"),
    path("bulk-registration/template.csv", views.template_csv, name="template"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:upload_id>/", views.upload_detail, name="upload_detail"),
]
