"""Who reaches the recipient portal's pages: a signed-in recipient, for their own data only.

Portal URLs never carry a recipient's id: every page is "the signed-in recipient", found here
from the session, so another recipient's registration or record cannot even be named.
Provider, help-desk and staff accounts are not recipients and are sent to the portal's
sign-in page like anyone signed out.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from providers.models import User
from recipients.models import Recipient


def recipient_of(user: User | None) -> Recipient | None:
    """The active recipient whose portal account this is; None for anyone else."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return Recipient.objects.filter(account=user, removed_at__isnull=True).first()


def recipient_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in as a recipient; sets `request.recipient`. Anyone else goes to sign in."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        recipient = recipient_of(request.user)
        if recipient is None:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        request.recipient = recipient
        return view(request, *args, **kwargs)

    return wrapper
