"""A help-desk account signed in with its emailed temporary password goes nowhere but the
page that replaces it (guide, first page: "a temporary password to log into the portal").

The flag is put in the session at sign-in (helpdesk.receivers, on user_logged_in), so other
requests cost nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from .access import SESSION_MUST_CHANGE


class TemporaryPasswordMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.session.get(SESSION_MUST_CHANGE) and request.user.is_authenticated:
            allowed = {reverse("helpdesk:password_change"), reverse("providers:logout")}
            if request.path not in allowed:
                return redirect("helpdesk:password_change")
        return self.get_response(request)
