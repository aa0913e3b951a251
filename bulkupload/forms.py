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
        help_text="A .csv saved from the Recipient Bulk Upload Template (or the .xlsx itself).",
        error_messages={
            "required": "Choose a file to upload.",
            "empty": "The file is empty. Add your recipients to the template and save it again.",
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is larger than {filesizeformat(limit)}. Split it into smaller files."
            )
        return upload
