from importlib import import_module

from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = "Email outbox"

    def ready(self) -> None:
        # The one kind of email the outbox writes itself: a message stored when queued.
        import_module(f"{self.name}.messages")
        # Connects the receiver of email providers' tracking webhooks (django-anymail).
        import_module(f"{self.name}.webhooks")
