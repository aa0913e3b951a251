"""The recipient portal, as other apps' pages show it: `{% load vaccine %}` then
`{% registration_summary recipient as summary %}`, and `{% vaccine_record recipient %}` (the
doses, what NCIR knows of each, and the way to record one).

The provider's recipient page (recipients/detail.html) shows where a recipient is with their
COVID-19 Vaccination Registration and, once submitted, their vaccine group. The recipients app
never imports the portal (it sits above it); its template loads this library instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from recipients.models import Recipient

from .. import ncir
from ..models import Registration, VaccineGroup
from ..registrations import group_of

register = template.Library()


@dataclass(frozen=True)
class RegistrationSummary:
    status: str  # "Not started", "In progress", "Submitted on Mar 4, 2021"
    submitted: bool
    group: VaccineGroup | None

    @property
    def group_label(self) -> str:
        """ "Group 3 — Frontline essential workers"; empty before submitting."""
        return f"{self.group} — {self.group.name}" if self.group else ""


def summarize(recipient: Recipient) -> RegistrationSummary:
    try:
        # Loaded with the recipient when the view select_related it ("registration").
        registration: Registration = recipient.registration
    except ObjectDoesNotExist:
        return RegistrationSummary("Not started", False, None)
    if not registration.is_submitted:
        return RegistrationSummary(registration.get_status_display(), False, None)
    on = date_format(timezone.localtime(registration.submitted_at).date(), "M j, Y")
    return RegistrationSummary(f"Submitted on {on}", True, group_of(registration))


@register.simple_tag
def registration_summary(recipient: Recipient) -> RegistrationSummary:
    return summarize(recipient)


@register.inclusion_tag("vaccinations/_record.html")
def vaccine_record(recipient: Recipient) -> dict:
    """The recipient's doses (two queries however many) and the link to record one."""
    doses = recipient.doses.select_related("product").prefetch_related("ncir_messages")
    return {
        "record": [(dose, ncir.status_of(dose)) for dose in doses],
        "record_url": reverse("vaccinations:record_dose", args=[recipient.pk]),
    }
