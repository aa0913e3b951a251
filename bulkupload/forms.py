from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat


class RecipientFileForm(forms.Form):
    """The uploaded recipient file: present, not empty, and within the size limit.

    What is inside is the engine's business; this only guards the door, before any byte of the
    file is read into memory.
    """

    file = forms.FileField(
        label="Recipient Bulk Upload file",
        help_text="A .csv saved from the Recipient Bulk Upload Template, the .xlsx itself, or "
        "the template saved by LibreOffice (.ods).",
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
