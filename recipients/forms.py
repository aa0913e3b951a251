from django import forms


class EmailCorrectionForm(forms.Form):
    """The "Correct the email address" form on a recipient's page, as the page shows it.

    The rules an address must meet are the file engine's, and correcting one sends the welcome
    email: both bulkupload's, which builds on this app. Its form (bulkupload.forms) adds the
    rules and handles the POST; this one draws the empty form.
    """

    email = forms.CharField(
        label="Corrected email address",
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": "Enter the recipient's corrected email address."},
    )
    # The address the manager confirmed after a typo warning: it is warned about no more.
    confirmed = forms.CharField(required=False, widget=forms.HiddenInput)
