"""The recipient portal's forms: sign-in by username, "Forgot password", and one form per step
of the COVID-19 Vaccination Registration (STEPS: the one list of the steps and their questions).

A step form validates for Continue (every required answer, and the rules between answers) or,
built with `pausing=True`, for Pause: nothing is required, and only answers that are valid in
themselves are kept (a half-typed ZIP code is not).
"""

from __future__ import annotations

from typing import NamedTuple

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from helpdesk.questions import is_username_or_email
from providers.models import User

from .access import recipient_of
from .choices import NC_COUNTIES, US_STATES, ContactMethod, Ethnicity, Language, Race, Sector, Sex
from .models import Registration

USERNAME_HELP = _("Your email address followed by .covid19vaccine, as in your welcome email.")


def normalize_username(value: str) -> str:
    """Usernames are stored lower-cased (recipients.usernames.portal_username)."""
    return value.strip().lower()


class RecipientLoginForm(AuthenticationForm):
    """Recipients sign in with `email.covid19vaccine` (or `…2`, `…3` for family members who
    share an email). Any other account, and a removed recipient's, gets the same message as a
    wrong password: the form never tells which accounts exist."""

    username = forms.CharField(
        label=_("Username"),
        max_length=254,
        help_text=USERNAME_HELP,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "username",
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Please enter a correct username and password. Your username is your email "
            "address followed by .covid19vaccine."
        ),
    }

    def clean_username(self) -> str:
        return normalize_username(self.cleaned_data["username"])

    def confirm_login_allowed(self, user: User) -> None:
        if recipient_of(user) is None:
            raise self.get_invalid_login_error()


class ForgotPasswordForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=254,
        help_text=USERNAME_HELP,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def clean_username(self) -> str:
        return normalize_username(self.cleaned_data["username"])


class QuestionForm(forms.Form):
    """The contact form ("Need support? Submit your question to the help desk"): who asks,
    where to answer, what. Signed in (`signed_in=True`) the account says where to answer, so
    only the name and the question are asked. Checks input only: helpdesk.questions decides
    where the answer goes."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    contact = forms.CharField(
        label=_("Username or email"),
        max_length=254,
        help_text=_(
            "Your username (your email address followed by .covid19vaccine), or an email "
            "address we may answer to."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "email", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    question = forms.CharField(
        label=_("Your question"),
        max_length=2000,
        help_text=_("At most 2,000 characters. Please do not write your date of birth."),
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, signed_in: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if signed_in:
            del self.fields["contact"]

    def clean_contact(self) -> str:
        value = self.cleaned_data["contact"].strip()
        if not is_username_or_email(value):
            raise forms.ValidationError(
                _("Enter your username or an email address, like name@example.com.")
            )
        return value


# Registration steps ----------------------------------------------------------------------------

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class YesNoField(forms.TypedChoiceField):
    """A yes/no question as two radios; its answer is True, False or None (not answered)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(
            choices=YES_NO,
            coerce=lambda value: value == "yes",
            empty_value=None,
            widget=forms.RadioSelect,
            **kwargs,
        )


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


class StepForm(forms.Form):
    """One step's questions; `answers()` are what registrations.save_answers keeps."""

    def __init__(self, *args, pausing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pausing = pausing
        if pausing:
            for field in self.fields.values():
                field.required = False

    @classmethod
    def initial_from(cls, registration: Registration | None) -> dict:
        if registration is None:
            return {}
        initial = {}
        for name, field in cls.base_fields.items():
            value = getattr(registration, name)
            if isinstance(field, YesNoField):
                value = _yes_no(value)
            elif isinstance(field, PhoneNumberField):
                value = value.as_national if value else ""
            initial[name] = value
        return initial

    @classmethod
    def complete(cls, registration: Registration) -> bool:
        """Whether the answers kept would pass Continue: every required answer, every rule."""
        return cls(data=cls.initial_from(registration)).is_valid()

    @classmethod
    def answered(cls, registration: Registration) -> bool:
        """Whether any question of the step has an answer other than the form's starting one."""
        fields = Registration._meta
        return any(
            getattr(registration, name) not in (None, "", [])
            and getattr(registration, name) != fields.get_field(name).get_default()
            for name in cls.base_fields
        )

    def answers(self) -> dict:
        """The valid answers (after is_valid); a field with an error is left out."""
        return {name: self.cleaned_data[name] for name in self.fields if name in self.cleaned_data}

    def require(self, name: str, message: str) -> None:
        """A rule between answers: `name` must be answered (not when pausing)."""
        if not self.pausing and name not in self.errors and not self.cleaned_data.get(name):
            self.add_error(name, message)


class AboutYouForm(StepForm):
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, widget=forms.RadioSelect)


class RaceEthnicityForm(StepForm):
    races = forms.MultipleChoiceField(
        label=_("Race"),
        choices=Race.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose all that apply."),
    )
    ethnicity = forms.ChoiceField(
        label=_("Ethnicity"), choices=Ethnicity.choices, widget=forms.RadioSelect
    )

    def clean_races(self) -> list[str]:
        races = self.cleaned_data["races"]
        if Race.UNSAID in races and len(races) > 1:
            raise forms.ValidationError(
                _("Choose “Prefer not to answer” on its own, or choose one or more races."),
                code="exclusive",
            )
        return races


class HomeAddressForm(StepForm):
    address_line1 = forms.CharField(
        label=_("Street address"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    address_line2 = forms.CharField(
        label=_("Apartment, suite, etc. (optional)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    city = forms.CharField(
        label=_("City"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    state = forms.ChoiceField(
        label=_("State"),
        choices=US_STATES,
        initial="NC",
        widget=forms.Select(attrs={"autocomplete": "address-level1"}),
    )
    zip_code = forms.RegexField(
        label=_("ZIP code"),
        regex=r"^\d{5}(-\d{4})?$",
        max_length=10,
        error_messages={"invalid": _("Enter a ZIP code: 5 digits, or ZIP+4 (27601-1234).")},
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    county = forms.ChoiceField(
        label=_("County"),
        choices=[("", _("Choose a county"))] + [(county, county) for county in NC_COUNTIES],
        required=False,
        help_text=_("Required for a North Carolina address."),
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("state") == "NC":
            self.require("county", _("Choose your county."))
        elif "state" in cleaned:
            cleaned["county"] = ""  # a county of North Carolina only
        return cleaned


class ContactForm(StepForm):
    phone = PhoneNumberField(
        label=_("Phone number (optional)"),
        region="US",
        required=False,
        help_text=_("Needed if you choose to be contacted by text message or phone call."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    language = forms.ChoiceField(
        label=_("Preferred language"), choices=Language.choices, widget=forms.RadioSelect
    )
    contact_method = forms.ChoiceField(
        label=_("Preferred contact method"),
        choices=ContactMethod.choices,
        widget=forms.RadioSelect,
    )
    reminder_consent = forms.BooleanField(
        label=_("Send me a reminder when my second dose is due"), required=False
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("contact_method") in (ContactMethod.TEXT, ContactMethod.PHONE):
            self.require(
                "phone", _("Enter a phone number to be contacted by text message or phone call.")
            )
        return cleaned


class FindMyGroupForm(StepForm):
    health_care_worker = YesNoField(
        label=_("Do you work in health care, with in-person contact with patients?")
    )
    long_term_care = YesNoField(
        label=_("Do you live or work in a long-term care facility, such as a nursing home?")
    )
    works_in_person = YesNoField(label=_("Do you work in person, outside your home?"))
    sector = forms.ChoiceField(
        label=_("Which sector do you work in?"),
        choices=[("", _("Choose a sector"))] + list(Sector.choices),
        required=False,
        help_text=_("Required if you work in person outside your home."),
    )
    high_risk_condition = YesNoField(
        label=_(
            "Do you have a medical condition that puts you at high risk of severe illness "
            "from COVID-19?"
        )
    )
    congregate_living = YesNoField(
        label=_(
            "Do you live in a group setting, such as a correctional facility or a homeless shelter?"
        )
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("works_in_person") is True:
            self.require("sector", _("Choose the sector you work in."))
        elif cleaned.get("works_in_person") is False:
            cleaned["sector"] = ""
        return cleaned


class Step(NamedTuple):
    slug: str
    title: str  # translated when shown
    form: type[StepForm]


# The registration's steps in order, each with the form that asks its questions: the one place
# they are listed ("Check your answers" follows the last).
STEPS: list[Step] = [
    Step("about-you", _("About you"), AboutYouForm),
    Step("race-and-ethnicity", _("Race and ethnicity"), RaceEthnicityForm),
    Step("home-address", _("Home address"), HomeAddressForm),
    Step("contact", _("How to reach you"), ContactForm),
    Step("find-my-group", _("Find My Group"), FindMyGroupForm),
]
STEP_FORMS: dict[str, type[StepForm]] = {step.slug: step.form for step in STEPS}
STEP_SLUGS: list[str] = [step.slug for step in STEPS]


def displayed_answers(form_class: type[StepForm], registration: Registration) -> list[tuple]:
    """(label, answer as shown) for each question of a step: "Check your answers"."""
    rows = []
    for name, field in form_class.base_fields.items():
        value = getattr(registration, name)
        choices = dict(getattr(field, "choices", []))
        if isinstance(field, YesNoField):
            shown = choices.get(_yes_no(value), "")
        elif isinstance(field, forms.BooleanField):
            shown = _("Yes") if value else _("No")
        elif isinstance(field, forms.MultipleChoiceField):
            shown = ", ".join(str(choices.get(item, item)) for item in value)
        elif isinstance(field, PhoneNumberField):
            shown = value.as_national if value else ""
        elif choices:
            shown = choices.get(value, "") if value else ""
        else:
            shown = value
        rows.append((field.label, shown))
    return rows
