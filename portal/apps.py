from importlib import import_module

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "COVID-19 Vaccine Portal"

    def ready(self) -> None:
        # Connects the portal's signal receivers and fills the emails' links to its pages
        # (helpdesk.recipient_pages); loaded once the models are.
        import_module(f"{self.name}.receivers")
        # Registers how this app's kinds of email are written (outbox.composers).
        import_module(f"{self.name}.emails")
        import_module(f"{self.name}.checks")  # the SMART Health Card keys
