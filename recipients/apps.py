from importlib import import_module

from django.apps import AppConfig


class RecipientsConfig(AppConfig):
    name = "recipients"
    verbose_name = "Recipients"

    def ready(self) -> None:
        # Connects the receiver that flags a recipient whose welcome email did not arrive.
        import_module(f"{self.name}.receivers")
