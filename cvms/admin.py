"""The admin site staff work in, with a second factor when STAFF_TWO_FACTOR is on.

With it on, signing in to the admin asks for a TOTP code (django-otp) as well as the password,
and a staff member without a verified device is treated as not staff. A superuser enrols each
staff member's authenticator app in the admin ("TOTP devices"). Off by default so a developer
can sign in with the demo password; docker-compose's production stack turns it on.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest
from django_otp.admin import OTPAdminAuthenticationForm

OTP_LOGIN_TEMPLATE = "otp/admin111/login.html"  # django-otp's admin login with the code field


class PortalAdminSite(AdminSite):
    site_header = "CVMS Help Desk"
    site_title = "CVMS Help Desk"
    index_title = "Help-desk work"

    @property
    def login_form(self):
        return OTPAdminAuthenticationForm if settings.STAFF_TWO_FACTOR else AdminAuthenticationForm

    @property
    def login_template(self):
        return OTP_LOGIN_TEMPLATE if settings.STAFF_TWO_FACTOR else None

    def has_permission(self, request: HttpRequest) -> bool:
        allowed = super().has_permission(request)
        if settings.STAFF_TWO_FACTOR:
            return allowed and request.user.is_verified()
        return allowed
