"""Access requests, as the managers of a location see them on their Home page.

An HCP Onboarding request from someone not trusted for its location (helpdesk.verification)
waits; where the location has managers, they are the ones who know whether the requester
works there. One of them approves (the requester is verified, "confirmed by an existing
manager", and the people are onboarded at once) or declines with a reason (nothing is granted,
the case is rejected and the requester told why). Staff can still decide in the admin.

Reachable by the managers of the request's location only: anyone else, staff too, gets 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST

from providers.access import current_location

from .actions import approve_access, decline_access
from .cases import CaseRefused
from .models import Case
from .verification import access_requests_for, differences, is_generic_code, registration_code


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Why you decline (sent to the requester)",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why you decline: the requester is told."},
    )


def _entry(case: Case) -> dict:
    code = registration_code(case.requester)
    return {
        "case": case,
        "code": code,
        "generic": is_generic_code(code),
        "differences": differences(case),
        "form": DeclineForm(prefix=case.number),
    }


def home_panel(request: HttpRequest) -> SafeString:
    """The "Access requests" panel of Home ("" when nothing waits for this manager)."""
    pending = list(access_requests_for(request.user))
    if not pending:
        return SafeString("")
    context = {"requests": [_entry(case) for case in pending]}
    return render_to_string("helpdesk/access_requests_panel.html", context, request=request)


def get_access_request_or_404(request: HttpRequest, number: str) -> Case:
    """A pending access request of a location the user manages; 404 for anything else."""
    try:
        return access_requests_for(request.user).get(number=number)
    except Case.DoesNotExist:
        raise Http404("No such access request.") from None


@require_POST
@login_required
def approve(request: HttpRequest, number: str) -> HttpResponse:
    case = get_access_request_or_404(request, number)
    try:
        outcome = approve_access(case, by=request.user)
    except CaseRefused as refused:  # a request staff opened without people, say
        messages.error(request, str(refused))
    else:
        messages.success(request, outcome.message)
    return redirect("providers:home")


@require_POST
@login_required
def decline(request: HttpRequest, number: str) -> HttpResponse:
    case = get_access_request_or_404(request, number)
    form = DeclineForm(request.POST, prefix=case.number)
    if not form.is_valid():
        # Home's panel has no room for an error summary: the form comes back on its own page.
        request.location = current_location(request)
        context = {**_entry(case), "form": form}
        return render(request, "helpdesk/access_decline.html", context, status=400)
    try:
        outcome = decline_access(case, by=request.user, reason=form.cleaned_data["reason"])
    except CaseRefused as refused:  # changed by staff meanwhile
        messages.error(request, str(refused))
    else:
        messages.success(request, outcome.message)
    return redirect("providers:home")
