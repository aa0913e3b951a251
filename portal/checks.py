"""System checks (`manage.py check`, and `migrate`, which the deployments run before web
starts): the SMART Health Card keys are readable EC P-256 keys, the signing one private."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from . import healthcards


@register()
def check_health_card_keys(app_configs, **kwargs) -> list[Error]:
    if settings.SHC_MAKE_DEVELOPMENT_KEY:
        return []  # made on first use, by us
    try:
        healthcards.signing_key()
        healthcards.previous_keys()
    except (ImproperlyConfigured, OSError) as error:
        return [Error(str(error), id="portal.E001")]
    return []
