"""What the recipient portal does when the apps below it say something happened."""

from __future__ import annotations

from django.dispatch import receiver
from django.urls import reverse

from helpdesk.recipient_pages import RECIPIENT_HELP_PAGE, register_recipient_page
from providers.signals import demo_seeded

from . import demo


@receiver(demo_seeded, dispatch_uid="portal-demo-seeded")
def on_demo_seeded(sender, password: str, created: list[str], notes: list[str], **kwargs) -> None:
    created += demo.ensure_groups_and_products()
    created += demo.ensure_demo_recipient(password)
    notes.append(
        f"recipient portal (/portal/): sign in as {demo.DEMO_RECIPIENT_USERNAME} "
        "with the same password"
    )


# "Need support? Submit your question to the help desk": the welcome email and the help desk's
# answers to a recipient link to the contact form, which is the portal's to name.
register_recipient_page(RECIPIENT_HELP_PAGE, lambda: reverse("portal:help"))
