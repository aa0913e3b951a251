"""Who reaches the help desk's pages: any active signed-in account but a recipient's.

Requesters (registered here), Healthcare Location Managers (with their portal account: one
identity) and staff file and follow cases; recipients' portal accounts reach neither the help
desk nor the provider portal. Which cases each sees is helpdesk.cases.cases_visible_to.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from providers.models import User
from recipients.models import Recipient

SESSION_MUST_CHANGE = "helpdesk_must_change_password"


def may_use_help_desk(user: User) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and not Recipient.objects.filter(account=user).exists()
    )


def help_desk_user_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    @login_required(login_url="helpdesk:login")
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not may_use_help_desk(request.user):
            return render(request, "helpdesk/not_for_recipients.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper
