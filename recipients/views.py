from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from providers.access import manager_required

from .access import get_recipient_or_404
from .models import Recipient

PAGE_SIZE = 50


@manager_required
def recipient_list(request: HttpRequest) -> HttpResponse:
    recipients = Recipient.objects.active().filter(location=request.location)
    page = Paginator(recipients, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "recipients/list.html", {"page": "recipients", "recipients": page})


@manager_required
def recipient_detail(request: HttpRequest, recipient_id: int) -> HttpResponse:
    recipient = get_recipient_or_404(request.user, recipient_id)
    return render(request, "recipients/detail.html", {"page": "recipients", "recipient": recipient})
