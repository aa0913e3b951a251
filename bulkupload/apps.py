from importlib import import_module

from django.apps import AppConfig


class BulkuploadConfig(AppConfig):
    name = "bulkupload"
    verbose_name = "Bulk upload"

    def ready(self) -> None:
        # Registers how the upload summary and the bounce digest are written (outbox.composers).
        import_module(f"{self.name}.emails")
        # Connects the receiver that tells an uploader about welcome emails that bounced.
        import_module(f"{self.name}.receivers")
        # A corrected address on a recipient's page meets the file engine's rules.
        recipients_forms = import_module("recipients.forms")
        cleaning = import_module(f"{self.name}.engine.cleaning")
        lookalikes = import_module(f"{self.name}.engine.lookalikes")
        recipients_forms.use_email_rules(
            recipients_forms.EmailRules(
                clean=cleaning.clean_email,
                typo_warning=lookalikes.email_typo_warning,
                suggestion=lookalikes.suggested_email,
            )
        )
