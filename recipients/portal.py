"""The recipient portal's first page: setting a password from the welcome email's link.

The rest of the recipient portal (sign-in, the COVID-19 Vaccination Registration form) is a
later issue; this page exists now so that the link in every welcome email works from day one.
"""

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy

from .tokens import password_setup_token


class PasswordSetupView(auth_views.PasswordResetConfirmView):
    """GET shows the form and changes nothing (mail scanners open links); POST sets it."""

    token_generator = password_setup_token
    template_name = "portal/password_setup.html"
    success_url = reverse_lazy("recipients:password_setup_done")
    reset_url_token = "set-password"  # noqa: S105 (a URL segment, not a secret)
    post_reset_login = False

    def get_user(self, uidb64: str):
        # A removed recipient's account is deactivated: its link no longer works.
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None


def password_setup_done(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/password_setup_done.html")
