from django.contrib import admin
from django.urls import include, path

from cvms.views import favicon
from portal.views import jwks

urlpatterns = [
    path("", include("providers.urls")),
    path("", include("bulkupload.urls")),
    path("", include("recipients.urls")),
    # The vaccine record on a recipient's page (portal builds on recipients: it plugs in here).
    path("", include("portal.provider_urls")),
    path("help-desk/", include("helpdesk.urls")),
    path("portal/", include("portal.urls")),
    path("admin/", admin.site.urls),
    # Email providers' tracking webhooks (django-anymail; outbox.webhooks hears them).
    path("anymail/", include("anymail.urls")),
    # set_language: the recipient portal's language switch (POST, then back to `next`).
    path("i18n/", include("django.conf.urls.i18n")),
    path("favicon.ico", favicon),
    # The SMART Health Card issuer's public keys, where the spec has verifiers look: <iss> +
    # /.well-known/jwks.json, iss being SITE_URL.
    path(".well-known/jwks.json", jwks, name="jwks"),
]
