from importlib import import_module

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "COVID-19 Vaccine Portal"

    def ready(self) -> None:
        # Connects the portal's signal receivers and fills the emails' links to its pages
        # (bulkupload.emails.RECIPIENT_PAGES); loaded once the models are.
        import_module(f"{self.name}.receivers")
        import_module(f"{self.name}.checks")  # the SMART Health Card keys
