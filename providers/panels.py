"""Panels that apps built on providers add to the manager's Home page.

Providers imports none of them (they sit above it): an app registers a function in its
AppConfig.ready, and Home shows what each returns for the request, in the order registered.
A panel answers "" when it has nothing to show this manager, and reaches only the data of the
locations the manager manages (its own access helpers decide).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.safestring import SafeString

HomePanel = Callable[[HttpRequest], SafeString]

_home_panels: list[HomePanel] = []


def register_home_panel(panel: HomePanel) -> None:
    """Add a panel to Home (once, however often the app is made ready)."""
    if panel not in _home_panels:
        _home_panels.append(panel)


def home_panels(request: HttpRequest) -> list[SafeString]:
    """The rendered panels that have something to show this request's manager."""
    return [html for html in (panel(request) for panel in _home_panels) if html]
