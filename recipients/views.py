from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from providers.access import manager_required

from .access import get_recipient_or_404
from .forms import EmailCorrectionForm
from .listing import loaded_recipients


@require_GET
@manager_required
def recipient_list(request: HttpRequest) -> HttpResponse:
    listing = loaded_recipients(request.location, request.GET)
    return render(
        request,
        "recipients/list.html",
        {
            "page": "recipients",
            "listing": listing,
            "list_url": reverse("recipients:list"),
            "detailed": True,
        },
    )


@require_GET
@manager_required
def recipient_detail(request: HttpRequest, recipient_id: int) -> HttpResponse:
    recipient = get_recipient_or_404(request.user, recipient_id)
    # The page's forms post to bulkupload, which sends the emails (bulkupload.selfservice).
    context = {"page": "recipients", "recipient": recipient, "email_form": EmailCorrectionForm()}
    return render(request, "recipients/detail.html", context)
