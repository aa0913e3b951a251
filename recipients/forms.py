from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms

from .selfservice import SAME_EMAIL


@dataclass(frozen=True)
class EmailRules:
    """What a corrected address must meet: the recipient file engine's rules (bulkupload's,
    above this app, which hands them over in its AppConfig.ready), so that an address is
    judged the same whether it came in a file or was typed on a recipient's page."""

    clean: Callable[[str], str | None]  # the address as stored, or None if invalid
    typo_warning: Callable[[str], str | None]
    suggestion: Callable[[str], str | None]


_rules: EmailRules | None = None


def use_email_rules(rules: EmailRules) -> None:
    global _rules  # noqa: PLW0603 (set once, at start-up)
    _rules = rules


class EmailCorrectionForm(forms.Form):
    """The "Correct the email address" form on a recipient's page: valid by the same rules as an
    uploaded file's address, and, if its domain looks like a typo of a common provider's,
    confirmed by the manager (`typo_warning` says so until then; the form is valid, but nothing
    should be done yet)."""

    email = forms.CharField(
        label="Corrected email address",
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": "Enter the recipient's corrected email address."},
    )
    # The address the manager confirmed after a typo warning: it is warned about no more.
    confirmed = forms.CharField(required=False, widget=forms.HiddenInput)

    typo_warning: str | None = None
    suggestion: str | None = None

    def __init__(self, *args, current: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.current = current  # the recipient's address now

    def clean_email(self) -> str:
        value = self.cleaned_data["email"]
        email = _email_rules().clean(value)
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
            self.typo_warning = _email_rules().typo_warning(email)
            self.suggestion = _email_rules().suggestion(email)
        return cleaned


def _email_rules() -> EmailRules:
    if _rules is None:
        raise RuntimeError("no email rules: bulkupload hands them over when it is ready")
    return _rules
