from importlib import import_module

from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    name = "helpdesk"
    verbose_name = "Help desk"

    def ready(self) -> None:
        # Connects the help desk's signal receivers; loaded once the models are.
        import_module(f"{self.name}.receivers")
        # Registers how this app's kinds of email are written (outbox.composers).
        import_module(f"{self.name}.emails")
