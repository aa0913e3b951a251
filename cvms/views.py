"""The little the project answers itself, outside any app."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and bots ask for /favicon.ico whatever a page links to (a downloaded file or a
    JSON answer links nothing): the icon among the static files, as whitenoise serves them."""
    return redirect(static("favicon.ico"))
