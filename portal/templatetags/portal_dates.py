"""`{% load portal_dates %}` then `{{ day|long_date }}`: a date in the page's language
(portal.dates)."""

from __future__ import annotations

from django import template

from .. import dates

register = template.Library()


@register.filter(expects_localtime=True)
def long_date(value) -> str:
    """Like `|date:"F j, Y"` (datetimes in local time), in the active language."""
    return dates.long_date(value)
