"""The portal's pages inside the provider portal (mounted at the site's root by cvms.urls)."""

from django.urls import path

from . import provider_views

app_name = "vaccinations"

urlpatterns = [
    path(
        "recipients/<int:recipient_id>/doses/new/",
        provider_views.record_dose,
        name="record_dose",
    ),
]
