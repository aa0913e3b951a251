from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from .models import normalize_login_email


class EmailAuthenticationForm(AuthenticationForm):
    """Managers and help-desk staff sign in with their email address."""

    username = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        # The email is matched whatever its case (normalize_login_email); only the password
        # is case-sensitive, and saying "both" sent managers retyping a correct address.
        "invalid_login": "Please enter a correct email and password. The password is "
        "case-sensitive; the email is not.",
    }

    def clean_username(self) -> str:
        return normalize_login_email(self.cleaned_data["username"])


class PortalPasswordResetForm(PasswordResetForm):
    """Resets provider-portal passwords only.

    Recipients' portal accounts share their email with family members and sign in with
    `email.covid19vaccine`; a provider-portal reset must never reach them.
    """

    def get_users(self, email: str):
        username = normalize_login_email(email)
        for user in super().get_users(email):
            if user.username == username:
                yield user
