from importlib import import_module

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        # Connects the sign-in and lockout receivers; loaded once the models are.
        import_module(f"{self.name}.receivers")
