from importlib import import_module

from django.apps import AppConfig

from providers.panels import register_home_panel


class HelpdeskConfig(AppConfig):
    name = "helpdesk"
    verbose_name = "Help desk"

    def ready(self) -> None:
        # Connects the help desk's signal receivers; loaded once the models are.
        import_module(f"{self.name}.receivers")
        # Registers how this app's kinds of email are written (outbox.composers).
        import_module(f"{self.name}.emails")
        # The managers' "Access requests" on the provider portal's Home page.
        register_home_panel(import_module(f"{self.name}.access_requests").home_panel)
