"""Headers every signed-in page gets, and the language each page is in."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control


class NoStoreForSignedInMiddleware:
    """What a signed-in person sees (recipient lists and pages, failed-records files, job
    status, cases) holds personal data: no browser or proxy cache keeps it. Static files are
    served before this (whitenoise) and stay cacheable."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response


class RecipientPortalLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, for the recipient portal's pages only.

    On /portal/ pages the language is the recipient's choice (the language cookie that the
    switch sets through Django's set_language), else their browser's (Accept-Language), else
    English. Every other page (provider portal, help desk, admin) is English whatever the
    cookie or the browser says: their own strings are not translated, and Django's built-in
    ones (the admin, form errors) must not turn Spanish around them.
    """

    def process_request(self, request: HttpRequest) -> None:
        if _in_portal(request):
            super().process_request(request)
            return
        # Activated every time: the thread may have served a Spanish portal page before.
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if _in_portal(request):
            # Content-Language, and Vary: Accept-Language for caches.
            return super().process_response(request, response)
        return response


def _in_portal(request: HttpRequest) -> bool:
    return request.path_info.startswith(reverse("portal:home"))
