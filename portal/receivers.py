"""What the recipient portal does when the apps below it say something happened."""

from __future__ import annotations

from django.dispatch import receiver

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
