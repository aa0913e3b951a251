from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from providers.access import manager_required
from recipients.access import get_recipient_or_404

from .cases import get_case_or_404


@manager_required
def request_removal(request: HttpRequest, recipient_id: int) -> HttpResponse:
    """What to send the help desk to remove a loaded recipient (guide, "How to Remove Loaded
    Recipients"): providers cannot delete recipients themselves.

    The in-portal intake form comes with the help-desk issue; until then this page gives the
    manager the request, prefilled, to submit through the CVMS Help Desk Portal.
    """
    recipient = get_recipient_or_404(request.user, recipient_id)
    return render(
        request, "helpdesk/request_removal.html", {"page": "recipients", "recipient": recipient}
    )


@login_required
def case(request: HttpRequest, number: str) -> HttpResponse:
    """Placeholder on the helpdesk-admin branch so the case emails can link here; the case page
    for providers replaces it (helpdesk-pages branch)."""
    found = get_case_or_404(request.user, number)
    return HttpResponse(
        f"Case {found.number}: {found.get_status_display()}", content_type="text/plain"
    )
