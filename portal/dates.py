"""Dates as the recipient portal writes them, in the reader's language: "March 4, 2021" in
English, "4 de marzo de 2021" in Spanish.

The format is itself a translated string (a Django date format, as the `date` filter takes),
so each language's catalogue says how that language writes a date; month names come from
Django's own catalogue.
"""

from __future__ import annotations

import datetime as dt

from django.utils.formats import date_format
from django.utils.translation import pgettext_lazy

LONG_DATE = pgettext_lazy("Django date format, as in March 4, 2021", "F j, Y")


def long_date(value: dt.date | dt.datetime | None) -> str:
    """As the `date` filter: a datetime is given in local time by the caller."""
    return date_format(value, LONG_DATE) if value else ""
