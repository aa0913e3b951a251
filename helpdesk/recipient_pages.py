"""The recipient portal's pages the help desk's emails link to (the contact form a recipient's
question is answered with). The portal, an app above this one, fills them in
(portal.receivers), so the help desk never names its URLs. One missing is a KeyError when the
email is written: the case's action fails loudly rather than send a broken link."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings

RECIPIENT_PAGES: dict[str, Callable[[], str]] = {}
RECIPIENT_HELP_PAGE = "help"  # the contact form: "Need support? Submit your question ..."


def register_recipient_page(name: str, path: Callable[[], str]) -> None:
    RECIPIENT_PAGES[name] = path


def recipient_page_url(name: str) -> str:
    """The page's full address (SITE_URL and its path)."""
    return settings.SITE_URL + RECIPIENT_PAGES[name]()
