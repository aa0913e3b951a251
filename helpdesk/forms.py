"""The help desk's forms: registering, a request (HCP Onboarding or Recipient Bulk Upload), a
removal request. They check what was typed; the rules of a case are helpdesk.cases'."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile

from bulkupload.forms import RecipientFileForm
from providers.models import Location

from .models import Case
from .registration import InvalidCode, location_for_code

UNKNOWN_PIN = (
    "Enter the VFC PIN of your location: NCA followed by six digits, as on your packing lists."
)
PIN_HELP = (
    "Your Provider PIN (i.e., NCA650001), on the packing lists received with your Vaccines For "
    "Children shipments, or in the top right-hand corner of a wasted / expired report from the "
    'North Carolina Immunization Registry (add "NCA" to the front of the six-digit PIN#).'
)
PEOPLE_ROWS = 5


class RegisterForm(forms.Form):
    """Guide, first page: first name, last name, business e-mail and registration code."""

    first_name = forms.CharField(
        label="First name", max_length=80, widget=forms.TextInput({"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label="Last name", max_length=80, widget=forms.TextInput({"autocomplete": "family-name"})
    )
    email = forms.EmailField(
        label="Business e-mail", max_length=254, widget=forms.EmailInput({"autocomplete": "email"})
    )
    code = forms.CharField(
        label="Registration code",
        max_length=20,
        help_text="Your Provider PIN (i.e., NCA650001), from the packing lists of your Vaccines "
        "For Children shipments. Providers who are not enrolled or have no Provider PIN use "
        "the generic code VAC2021.",
        widget=forms.TextInput({"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        try:
            location_for_code(code)
        except InvalidCode as invalid:
            raise forms.ValidationError(str(invalid)) from None
        return code


class PinMixin:
    """The VFC PIN names an existing location: the case's, whose managers see it and where a
    processed file's recipients are created."""

    cleaned_data: dict

    def clean_vfc_pin(self) -> str:
        pin = self.cleaned_data["vfc_pin"].strip()
        self.location = Location.objects.filter(pin=pin.upper()).first()
        if self.location is None:
            raise forms.ValidationError(UNKNOWN_PIN)
        return pin


CONTACT_WIDGETS = {
    "vfc_pin": forms.TextInput({"autocomplete": "off", "spellcheck": "false"}),
    "contact_name": forms.TextInput({"autocomplete": "name"}),
    "contact_email": forms.EmailInput({"autocomplete": "email"}),
    "contact_phone": forms.TextInput({"autocomplete": "tel", "type": "tel"}),
    "description": forms.Textarea({"rows": 4}),
}


class CaseRequestForm(PinMixin, forms.ModelForm):
    """The HCP ONBOARDING & RECIPIENT BULK UPLOAD request (guide, "Submit a Recipient Bulk
    Upload Request"). A bulk upload needs its file, checked at the door as on the Bulk
    Registration tab (RecipientFileForm: present, not empty, within the size limit)."""

    KINDS = [
        (Case.Kind.HCP_ONBOARDING.value, Case.Kind.HCP_ONBOARDING.label),
        (Case.Kind.BULK_UPLOAD.value, Case.Kind.BULK_UPLOAD.label),
    ]

    kind = forms.ChoiceField(
        label="Request type", choices=[("", "Choose the request type"), *KINDS]
    )
    file = forms.FileField(
        label="RECIPIENT BULK UPLOAD FILE",
        required=False,
        help_text=RecipientFileForm.base_fields["file"].help_text
        + " Required for a Recipient Bulk Upload.",
        widget=forms.ClearableFileInput(
            {
                "accept": ".csv,text/csv,.xlsx,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    class Meta:
        model = Case
        fields = [
            "kind",
            "vfc_pin",
            "organization_name",
            "location_name",
            "contact_name",
            "contact_email",
            "contact_phone",
            "description",
        ]
        widgets = CONTACT_WIDGETS
        help_texts = {"vfc_pin": PIN_HELP}

    def __init__(self, *args, too_large: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.too_large = too_large  # the upload handler dropped the file for its size
        self.location: Location | None = None
        for name in ("vfc_pin", "organization_name", "location_name", "contact_name"):
            self.fields[name].required = True
        self.fields["contact_email"].required = True
        self.fields["description"].label = "Description"

    @property
    def is_bulk_upload(self) -> bool:
        return self.data.get(self.add_prefix("kind")) == Case.Kind.BULK_UPLOAD

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("kind") == Case.Kind.BULK_UPLOAD:
            # The Bulk Registration tab's own door for the file, and its messages.
            door = RecipientFileForm(
                {}, {"file": self.files.get(self.add_prefix("file"))}, too_large=self.too_large
            )
            self.errors.pop("file", None)
            if door.is_valid():
                cleaned["file"] = door.cleaned_data["file"]
            else:
                for error in door.errors["file"]:
                    self.add_error("file", error)
        else:
            cleaned["file"] = None
        return cleaned

    @property
    def upload(self) -> UploadedFile | None:
        return self.cleaned_data.get("file")


class PersonForm(forms.Form):
    """One person to onboard as a Healthcare Location Manager."""

    first_name = forms.CharField(label="First name", max_length=80)
    last_name = forms.CharField(label="Last name", max_length=80)
    email = forms.EmailField(label="Email", max_length=254)


class BasePeopleFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        if not self.people():
            raise forms.ValidationError(
                "Add at least one person to onboard: first name, last name and email."
            )

    def people(self) -> list[dict[str, str]]:
        return [
            {key: form.cleaned_data[key] for key in ("first_name", "last_name", "email")}
            for form in self.forms
            if form.cleaned_data
        ]


PeopleFormSet = forms.formset_factory(
    PersonForm, formset=BasePeopleFormSet, extra=PEOPLE_ROWS, max_num=PEOPLE_ROWS
)


class RecipientRemovalForm(forms.ModelForm):
    """Removing a recipient picked from the provider portal: only why."""

    class Meta:
        model = Case
        fields = ["removal_reason", "contact_phone"]
        labels = {"removal_reason": "Why should the recipient be removed?"}
        help_texts = {
            "removal_reason": "The help desk keeps who removed a recipient, when and why.",
            "contact_phone": "Optional: a number where the help desk can reach you.",
        }
        widgets = {"removal_reason": forms.Textarea({"rows": 4}), **CONTACT_WIDGETS}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["removal_reason"].required = True


class RemovalIntakeForm(PinMixin, forms.ModelForm):
    """The intake form to remove a recipient (guide, "How to Remove Loaded Recipients"): whom,
    at which location, and why."""

    class Meta:
        model = Case
        fields = [
            "vfc_pin",
            "organization_name",
            "location_name",
            "contact_name",
            "contact_email",
            "contact_phone",
            "description",
            "removal_reason",
        ]
        labels = {
            "description": "Who should be removed?",
            "removal_reason": "Why should they be removed?",
        }
        help_texts = {
            "vfc_pin": "The VFC PIN of the location that loaded the recipient. " + PIN_HELP,
            "description": "Their first and last name and date of birth, as you know them, and "
            "anything else that helps the help desk find them.",
            "removal_reason": "The help desk keeps who removed a recipient, when and why.",
        }
        widgets = {"removal_reason": forms.Textarea({"rows": 4}), **CONTACT_WIDGETS}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.location: Location | None = None
        for name in (
            "vfc_pin",
            "organization_name",
            "location_name",
            "contact_name",
            "contact_email",
            "description",
            "removal_reason",
        ):
            self.fields[name].required = True
