"""Who may see what in the provider portal.

Every provider-portal view goes through these helpers; nobody re-implements the checks.
Anything a user may not see answers 404, so the existence of other locations' data never
leaks.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from .models import Location, User

SESSION_LOCATION_KEY = "current_location_id"


def has_staff_powers(user: User) -> bool:
    """Staff, and (with STAFF_TWO_FACTOR on) signed in this session with their second factor.

    Every door asks this, not `is_staff`: a staff account signed in with its password alone
    (at the help desk's or the provider portal's sign-in) is treated as anyone else. `user` is
    the request's (django-otp's middleware gives it `is_verified`); an account read from the
    database has no session, so it has no staff powers while two-factor is on.
    """
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if not settings.STAFF_TWO_FACTOR:
        return True
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified is not None and is_verified())


def locations_managed_by(user: User) -> QuerySet[Location]:
    """The locations this user is a Healthcare Location Manager of."""
    if not user.is_authenticated or not user.is_active:
        return Location.objects.none()
    return Location.objects.filter(manager_roles__user=user).select_related("organization")


def get_managed_location_or_404(user: User, pin: str) -> Location:
    try:
        return locations_managed_by(user).get(pin=pin)
    except Location.DoesNotExist:
        raise Http404("No such location.") from None


def current_location(request: HttpRequest) -> Location | None:
    """The location the manager is working on: their choice this session, else the first."""
    managed = locations_managed_by(request.user)
    chosen = request.session.get(SESSION_LOCATION_KEY)
    if chosen is not None:
        location = managed.filter(pk=chosen).first()
        if location is not None:
            return location
    return managed.order_by("name", "pk").first()


def choose_location(request: HttpRequest, location: Location) -> None:
    request.session[SESSION_LOCATION_KEY] = location.pk


def manager_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, and a Healthcare Location Manager; sets `request.location`.

    Help-desk staff who manage no location are sent to the admin, where they work; anyone
    else signed in gets a 403 page that says why.
    """

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        location = current_location(request)
        if location is None:
            if request.user.is_staff:
                return redirect("admin:index")
            return render(request, "providers/not_a_manager.html", status=403)
        request.location = location
        return view(request, *args, **kwargs)

    return wrapper
