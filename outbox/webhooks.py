"""News from an email provider: django-anymail's tracking webhooks (Amazon SES, SendGrid,
Mailgun, Postmark...) at /anymail/<provider>/tracking/. Anymail checks the request (basic
auth with ANYMAIL_WEBHOOK_SECRET, and the provider's own signature where it signs) before
this hears it. Each email leaves with its id in the provider's metadata, so the event is
matched by it, never by the address.
"""

from __future__ import annotations

from anymail.signals import AnymailTrackingEvent, EventType, tracking
from django.dispatch import receiver

from . import delivery
from .models import OutboundEmail

METADATA_KEY = "cvms_email"

_STATES = {
    EventType.DELIVERED: OutboundEmail.Status.DELIVERED,
    EventType.DEFERRED: OutboundEmail.Status.DEFERRED,
    EventType.BOUNCED: OutboundEmail.Status.BOUNCED,
    # The provider refused to send it (an address on its suppression list, invalid): for the
    # manager, the same as a bounce.
    EventType.REJECTED: OutboundEmail.Status.BOUNCED,
    EventType.COMPLAINED: OutboundEmail.Status.COMPLAINED,
}


@receiver(tracking, dispatch_uid="outbox.provider_news")
def provider_news(sender, event: AnymailTrackingEvent, esp_name: str, **kwargs) -> None:
    status = _STATES.get(event.event_type)
    email_id = str((event.metadata or {}).get(METADATA_KEY, ""))
    if status is None or not email_id.isdigit():
        return  # opens, clicks, and mail that is not the outbox's
    reason = " ".join(part for part in (event.mta_response, event.description) if part)
    delivery.record([int(email_id)], status, source="webhook", reason=reason, at=event.timestamp)
