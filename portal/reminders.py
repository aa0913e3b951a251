"""Second-dose reminders: when a first dose of a two-dose product was given long enough ago,
the recipient gets one email reminding them of the second.

A reminder is recorded with its email (through the outbox) in one transaction before anything
is sent; the first dose it is for is unique on the reminder, so two overlapping runs of the
daily task record it once, and the outbox sends it once. No reminder without the recipient's
consent on their registration, once the second dose is recorded, or for a removed recipient.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from outbox.queue import queue_message

from .choices import Language
from .models import Dose, Product, Registration, SecondDoseReminder

SUBJECT = gettext_lazy("Reminder: your second COVID-19 vaccine dose")


def due_first_doses(today: dt.date) -> QuerySet[Dose]:
    """First doses whose second is due by today, still without a reminder or a second dose,
    of recipients who agreed to reminders and can still sign in."""
    due = Q(pk__in=[])
    for product in Product.objects.filter(dose_count__gte=2, second_dose_after_days__isnull=False):
        cutoff = today - dt.timedelta(days=product.second_dose_after_days)
        due |= Q(product=product, given_on__lte=cutoff)
    second = Dose.objects.filter(recipient=OuterRef("recipient"), dose_number__gte=2)
    return (
        Dose.objects.filter(due, dose_number=1)
        .filter(
            recipient__removed_at__isnull=True,
            recipient__account__is_active=True,
            recipient__registration__reminder_consent=True,
            reminder__isnull=True,
        )
        .exclude(Exists(second))
        .select_related("product", "location", "recipient__account", "recipient__registration")
        .order_by("given_on", "pk")
    )


def language_of(registration: Registration) -> str:
    """The portal language closest to the registration's preferred language."""
    return "es" if registration.language == Language.SPANISH else "en"


def queue_due_reminders(today: dt.date | None = None, doses: Iterable[Dose] | None = None) -> int:
    """Record (and queue for sending) every reminder due today; returns how many.

    `doses`: the first doses due, as read before (due_first_doses), for a run that read them
    earlier than it records: another run may have recorded some meanwhile (two runs at once)."""
    today = today or timezone.localdate()
    queued = 0
    for dose in due_first_doses(today) if doses is None else doses:
        due_on = dose.given_on + dt.timedelta(days=dose.product.second_dose_after_days)
        # In the language the recipient chose on their registration (English or Spanish).
        with translation.override(language_of(dose.recipient.registration)):
            subject = str(SUBJECT)
            body = render_to_string(
                "portal/emails/second_dose_reminder.txt", {"dose": dose, "due_on": due_on}
            )
        try:
            with transaction.atomic():
                email = queue_message(dose.recipient.account, subject=subject, body=body)
                SecondDoseReminder.objects.create(first_dose=dose, email=email, due_on=due_on)
        except IntegrityError:
            continue  # another run recorded it a moment ago
        queued += 1
    return queued
