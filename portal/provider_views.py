"""The vaccine record on the provider portal's recipient page: a location's manager records a
dose given to one of their recipients (recipients.access: anyone else's is a 404).

The recipient page (recipients app, below this one) shows the record and the link through the
`vaccine` template library (portal.templatetags.vaccine); this module answers the link.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from providers.access import manager_required
from recipients.access import get_recipient_or_404

from . import doses
from .doseform import DoseForm
from .models import Dose


@require_http_methods(["GET", "POST"])
@manager_required
def record_dose(request: HttpRequest, recipient_id: int) -> HttpResponse:
    recipient = get_recipient_or_404(request.user, recipient_id)
    dose = Dose(recipient=recipient, location=recipient.location)
    form = DoseForm(request.POST or None, instance=dose)
    if form.is_valid():
        try:
            doses.save_dose(form.save(commit=False), by=request.user)
        except IntegrityError:  # the same dose number recorded a moment ago, elsewhere
            form.add_error("dose_number", "This dose was recorded a moment ago: check the record.")
        else:
            dose = form.instance
            messages.success(
                request, f"Dose {dose.dose_number} of {dose.product} is on the vaccine record."
            )
            return redirect("recipients:detail", recipient.pk)
    status = 400 if form.is_bound else 200
    context = {"page": "recipients", "recipient": recipient, "form": form}
    return render(request, "vaccinations/record_dose.html", context, status=status)
