from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from recipients import forms as recipients_forms

from .engine.cleaning import clean_email
from .engine.warnings import email_typo_warning, suggested_email
from .selfservice import SAME_EMAIL


class RecipientFileForm(forms.Form):
    """The uploaded recipient file: present, not empty, and within the size limit.

    What is inside is the engine's business; this only guards the door, before any byte of the
    file is read into memory.
    """

    file = forms.FileField(
        label="Recipient Bulk Upload file",
        help_text="A .csv saved from the Recipient Bulk Upload Template (or the .xlsx itself).",
        error_messages={
            "required": "Choose a file to upload.",
            "empty": "The file is empty. Add your recipients to the template and save it again.",
        },
    )

    def __init__(self, *args, too_large: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.too_large = too_large  # the upload handler dropped the file for its size

    def _too_large_error(self) -> forms.ValidationError:
        limit = filesizeformat(settings.UPLOAD_MAX_BYTES)
        return forms.ValidationError(
            f"The file is larger than {limit}. Split it into smaller files."
        )

    def clean(self):
        cleaned = super().clean()
        if self.too_large:
            self.errors.pop("file", None)
            self.add_error("file", self._too_large_error())
        return cleaned

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.UPLOAD_MAX_BYTES:
            raise self._too_large_error()
        return upload


class EmailCorrectionForm(recipients_forms.EmailCorrectionForm):
    """A recipient's corrected email: valid by the same rules as an uploaded file's, and, if its
    domain looks like a typo of a common provider's, confirmed by the manager (`typo_warning`
    says so until then; the form is valid, but nothing should be done yet)."""

    typo_warning: str | None = None
    suggestion: str | None = None

    def __init__(self, *args, current: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.current = current  # the recipient's address now

    def clean_email(self) -> str:
        value = self.cleaned_data["email"]
        email = clean_email(value)
        if email is None:
            raise forms.ValidationError(
                f"Email: invalid email address: {value}. "
                "Enter it as name@example.com, with no spaces."
            )
        if email == self.current:
            raise forms.ValidationError(SAME_EMAIL)
        return email

    def clean(self) -> dict:
        cleaned = super().clean()
        email = cleaned.get("email")
        if email and cleaned.get("confirmed") != email:
            self.typo_warning = email_typo_warning(email)
            self.suggestion = suggested_email(email)
        return cleaned
