from django.contrib import admin
from django.urls import include, path

from cvms.views import favicon

urlpatterns = [
    path("", include("providers.urls")),
    path("", include("bulkupload.urls")),
    path("", include("recipients.urls")),
    path("help-desk/", include("helpdesk.urls")),
    path("portal/", include("portal.urls")),
    path("admin/", admin.site.urls),
    # Email providers' tracking webhooks (django-anymail; outbox.webhooks hears them).
    path("anymail/", include("anymail.urls")),
    # set_language: the recipient portal's language switch (POST, then back to `next`).
    path("i18n/", include("django.conf.urls.i18n")),
    path("favicon.ico", favicon),
]
