from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .access import locations_managed_by


def portal(request: HttpRequest) -> dict:
    """The manager's locations, for the location switcher; queried only if a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"managed_locations": SimpleLazyObject(lambda: list(locations_managed_by(user)))}
