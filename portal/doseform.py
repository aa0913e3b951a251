"""The dose form a location's manager records a dose with, on the recipient's page in the
provider portal. The same rules as the admin's (Dose.clean()); the recipient and location
are the page's, never the form's.
"""

from __future__ import annotations

from django import forms

from .models import Dose, Product

DATE = {"type": "date"}


class DoseForm(forms.ModelForm):
    product = forms.ModelChoiceField(
        label="Vaccine",
        queryset=Product.objects.all(),
        empty_label="Choose the vaccine",
        error_messages={"required": "Choose the vaccine."},
    )
    given_on = forms.DateField(
        label="Date given",
        widget=forms.DateInput(DATE, format="%Y-%m-%d"),
        error_messages={"required": "Enter the date the dose was given."},
    )
    expiration_date = forms.DateField(
        label="Expiration date",
        required=False,
        widget=forms.DateInput(DATE, format="%Y-%m-%d"),
    )
    vis_date = forms.DateField(
        label="VIS date",
        required=False,
        help_text="Edition date of the Vaccine Information Statement (or EUA fact sheet) given.",
        widget=forms.DateInput(DATE, format="%Y-%m-%d"),
    )

    class Meta:
        model = Dose
        fields = [
            "product",
            "dose_number",
            "given_on",
            "completion",
            "lot_number",
            "expiration_date",
            "amount_ml",
            "site",
            "route",
            "vaccinator_name",
            "vis_date",
        ]
        labels = {
            "lot_number": "Lot number",
            "amount_ml": "Amount (mL)",
            "vaccinator_name": "Given by (vaccinator's name)",
        }
        help_texts = {"amount_ml": "Leave empty for the vaccine's usual amount."}
        error_messages = {"dose_number": {"required": "Enter the dose number."}}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            # Most doses go in the arm by intramuscular injection.
            self.initial["route"] = self.instance.route or Dose.Route.INTRAMUSCULAR
        self.fields["dose_number"].widget.attrs.update({"min": 1, "max": 9})
        self.fields["amount_ml"].widget.attrs.update({"step": "0.05", "min": "0"})

    def clean_dose_number(self) -> int:
        # The recipient is not a field here, so the unique constraint on (recipient, dose
        # number) is not the form's to check: said here, in words.
        number = self.cleaned_data["dose_number"]
        taken = Dose.objects.filter(recipient=self.instance.recipient, dose_number=number)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"Dose {number} is already recorded for this recipient.")
        return number
