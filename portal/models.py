"""The COVID-19 Vaccine Portal's records: a recipient's registration (draft until submitted),
the vaccine groups and the Find My Group rules that place people in them, vaccine products,
the doses staff record, and the second-dose reminders sent.

The group a recipient is in is never stored: it is worked out from their answers by the rules
(portal.findmygroup), so a rule staff change applies to everyone at once.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from outbox.models import OutboundEmail
from providers.models import Location
from recipients.models import Recipient

from .choices import ContactMethod, Ethnicity, Language, Sector, Sex


class VaccineGroup(models.Model):
    """One of North Carolina's vaccine groups (1-5 in early 2021)."""

    number = models.PositiveSmallIntegerField(unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    being_vaccinated = models.BooleanField("currently being vaccinated", default=False)
    since = models.DateField("being vaccinated since", null=True, blank=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"Group {self.number}"


class GroupRule(models.Model):
    """A reason to be in a group: a person is in the lowest-numbered group one of whose rules
    their answers meet. Staff edit them (move a criterion, change an age)."""

    class Criterion(models.TextChoices):
        HEALTH_CARE = "health_care", "Health care worker with in-person patient contact"
        LONG_TERM_CARE = "long_term_care", "Long-term care resident or staff"
        AGE_AT_LEAST = "age_at_least", "Age at least (years)"
        SECTOR_IN_PERSON = "sector_in_person", "Works in person in the sector"
        HIGH_RISK = "high_risk", "High-risk medical condition"
        CONGREGATE = "congregate", "Lives in a congregate setting"
        EVERYONE = "everyone", "Everyone"

    group = models.ForeignKey(VaccineGroup, on_delete=models.CASCADE, related_name="rules")
    criterion = models.CharField(max_length=20, choices=Criterion.choices)
    min_age = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="For 'Age at least' only."
    )
    sector = models.CharField(
        max_length=30, choices=Sector.choices, blank=True, help_text="For the sector rule only."
    )

    class Meta:
        ordering = ["group__number", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(criterion="age_at_least") | models.Q(min_age__isnull=False),
                name="group_rule_age_has_min_age",
            ),
            models.CheckConstraint(
                condition=~models.Q(criterion="sector_in_person") | ~models.Q(sector=""),
                name="group_rule_sector_has_sector",
            ),
        ]

    def __str__(self) -> str:
        detail = self.min_age if self.criterion == self.Criterion.AGE_AT_LEAST else self.sector
        return f"{self.group}: {self.get_criterion_display()}{f' {detail}' if detail else ''}"

    def clean(self) -> None:
        # The check constraints above, said as form errors (the admin would otherwise save and
        # meet an IntegrityError); and no leftover detail a rule of another kind ignores.
        errors = {}
        if self.criterion == self.Criterion.AGE_AT_LEAST:
            if self.min_age is None:
                errors["min_age"] = "An 'Age at least' rule needs the age."
        elif self.min_age is not None:
            errors["min_age"] = "Only an 'Age at least' rule has an age."
        if self.criterion == self.Criterion.SECTOR_IN_PERSON:
            if not self.sector or self.sector == Sector.NONE:
                errors["sector"] = "A sector rule needs the sector."
        elif self.sector:
            errors["sector"] = "Only a sector rule has a sector."
        if errors:
            raise ValidationError(errors)


class Registration(models.Model):
    """A recipient's COVID-19 Vaccination Registration: saved at every step (Pause keeps it),
    submitted once complete. Legal name and date of birth are the recipient's as loaded."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        SUBMITTED = "submitted", "Submitted"

    recipient = models.OneToOneField(
        Recipient, on_delete=models.CASCADE, related_name="registration"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    # About you
    sex = models.CharField(max_length=10, choices=Sex.choices, blank=True)
    races = models.JSONField(default=list, blank=True)  # values of choices.Race
    ethnicity = models.CharField(max_length=20, choices=Ethnicity.choices, blank=True)
    # Home address
    address_line1 = models.CharField("street address", max_length=200, blank=True)
    address_line2 = models.CharField("apartment, suite, etc.", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True, default="NC")
    zip_code = models.CharField(
        "ZIP code",
        max_length=10,
        blank=True,
        validators=[RegexValidator(r"^\d{5}(-\d{4})?$", "Enter a ZIP code: 5 digits, or ZIP+4.")],
    )
    county = models.CharField(max_length=40, blank=True)
    # Contact
    phone = PhoneNumberField(region="US", blank=True)
    language = models.CharField(
        "preferred language", max_length=10, choices=Language.choices, blank=True
    )
    contact_method = models.CharField(
        "preferred contact method", max_length=10, choices=ContactMethod.choices, blank=True
    )
    reminder_consent = models.BooleanField("second-dose reminders", default=False)
    # Find My Group
    health_care_worker = models.BooleanField(null=True, blank=True)
    long_term_care = models.BooleanField(null=True, blank=True)
    works_in_person = models.BooleanField(null=True, blank=True)
    sector = models.CharField(max_length=30, choices=Sector.choices, blank=True)
    high_risk_condition = models.BooleanField(null=True, blank=True)
    congregate_living = models.BooleanField(null=True, blank=True)

    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Registration of {self.recipient}"

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED


class Product(models.Model):
    """A COVID-19 vaccine, and how long after a first dose the second is due."""

    name = models.CharField(max_length=100, unique=True)
    dose_count = models.PositiveSmallIntegerField(
        "doses", default=2, validators=[MinValueValidator(1)]
    )
    second_dose_after_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Days from the first dose to the second (two-dose only)."
    )
    # CDC's codes (https://www2.cdc.gov/vaccines/iis/iisstandards/vaccines.asp): what a
    # registry and a SMART Health Card name the vaccine by.
    cvx_code = models.CharField(
        "CVX code", max_length=3, blank=True, help_text="CDC's vaccine code, e.g. 208."
    )
    mvx_code = models.CharField(
        "MVX code", max_length=3, blank=True, help_text="CDC's manufacturer code, e.g. PFR."
    )
    manufacturer = models.CharField(max_length=100, blank=True)
    ndc_unit = models.CharField("NDC (unit of use)", max_length=13, blank=True)
    ndc_sale = models.CharField("NDC (unit of sale)", max_length=13, blank=True)
    dose_amount_ml = models.DecimalField(
        "usual amount (mL)", max_digits=4, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Reminders are worked out from the interval: a two-dose product without one would
        # never remind anyone.
        if self.dose_count and self.dose_count >= 2 and self.second_dose_after_days is None:
            raise ValidationError(
                {"second_dose_after_days": "A product of several doses needs the interval."}
            )
        if self.dose_count == 1 and self.second_dose_after_days is not None:
            raise ValidationError(
                {"second_dose_after_days": "A single-dose product has no second dose."}
            )


class Dose(models.Model):
    """A dose given to a recipient, recorded by staff: the recipient's vaccine record."""

    recipient = models.ForeignKey(Recipient, on_delete=models.PROTECT, related_name="doses")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="doses")
    dose_number = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    given_on = models.DateField()
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="doses", null=True, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Completion(models.TextChoices):  # HL7 table 0322 (RXA-20)
        COMPLETE = "CP", "Complete"
        REFUSED = "RE", "Refused"
        NOT_ADMINISTERED = "NA", "Not administered"
        PARTIAL = "PA", "Partially administered"

    class Site(models.TextChoices):  # HL7 table 0163 (RXR-2)
        # The sites a COVID-19 vaccine is given in.
        LEFT_DELTOID = "LD", "Left deltoid"
        RIGHT_DELTOID = "RD", "Right deltoid"
        LEFT_ARM = "LA", "Left upper arm"
        RIGHT_ARM = "RA", "Right upper arm"
        LEFT_THIGH = "LVL", "Left vastus lateralis"
        RIGHT_THIGH = "RVL", "Right vastus lateralis"

    class Route(models.TextChoices):  # HL7 table 0162 (RXR-1)
        INTRAMUSCULAR = "IM", "Intramuscular"
        SUBCUTANEOUS = "SC", "Subcutaneous"
        INTRADERMAL = "ID", "Intradermal"

    # The full record (what NCIR and a SMART Health Card need). Doses recorded before these
    # fields existed have them empty: `is_incomplete` says so until staff fill them in.
    completion = models.CharField(
        max_length=2, choices=Completion.choices, default=Completion.COMPLETE
    )
    lot_number = models.CharField(max_length=20, blank=True)
    expiration_date = models.DateField(null=True, blank=True)
    site = models.CharField(max_length=3, choices=Site.choices, blank=True)
    route = models.CharField(max_length=2, choices=Route.choices, blank=True)
    amount_ml = models.DecimalField(
        "amount (mL)", max_digits=4, decimal_places=2, null=True, blank=True
    )
    vaccinator_name = models.CharField("given by", max_length=160, blank=True)
    vis_date = models.DateField(
        "VIS date",
        null=True,
        blank=True,
        help_text="Edition date of the Vaccine Information Statement (or EUA fact sheet) given.",
    )

    class Meta:
        ordering = ["recipient", "dose_number"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "dose_number"], name="one_dose_number"),
        ]
        indexes = [
            # What the daily reminder run looks for: first doses by date.
            models.Index(
                fields=["given_on"], condition=models.Q(dose_number=1), name="dose_first_by_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} dose {self.dose_number} of {self.recipient}"

    # What a dose needs before a registry or a health card may carry it.
    REQUIRED_FOR_RECORD = ("lot_number", "expiration_date", "site", "route", "amount_ml")

    @property
    def is_incomplete(self) -> bool:
        """Recorded without the full record (before it existed, or not filled in yet)."""
        return any(getattr(self, name) in (None, "") for name in self.REQUIRED_FOR_RECORD)

    @property
    def was_given(self) -> bool:
        """Vaccine went into an arm (completely or partly): a lot and the rest were used."""
        return self.completion in (self.Completion.COMPLETE, self.Completion.PARTIAL)

    def _record_errors(self) -> dict[str, str]:
        """What a given dose must say before it is saved: its lot and expiry (a vaccine used
        after it expired is refused), where and how it went in, and how much (the product's
        usual amount when left empty). Refused or not-administered doses need none of it."""
        if not self.was_given:
            return {}
        errors = {}
        if not self.lot_number.strip():
            errors["lot_number"] = "Enter the lot number from the vial."
        if self.expiration_date is None:
            errors["expiration_date"] = "Enter the expiration date from the vial."
        elif self.given_on and self.expiration_date < self.given_on:
            errors["expiration_date"] = (
                f"This lot expired on {self.expiration_date:%b %-d, %Y}: "
                "it cannot have been given after that."
            )
        if not self.site:
            errors["site"] = "Choose where the dose was given."
        if not self.route:
            errors["route"] = "Choose how the dose was given."
        if self.amount_ml is None:
            self.amount_ml = self.product.dose_amount_ml
        if self.amount_ml is None:
            errors["amount_ml"] = "Enter the amount given."
        return errors

    def clean(self) -> None:
        """A vaccine record that makes sense: the full record of a given dose (see
        `_record_errors`), no dose beyond the product's count, nothing in the future, and a
        recipient's later doses of the same product as their first dose, on or after its date
        (checked from either side: recording dose 2, or correcting dose 1). The same dose
        number twice is the unique constraint's form error."""
        if self.product_id is None or self.recipient_id is None or self.given_on is None:
            return  # the form says what is missing
        errors: dict[str, str] = self._record_errors()
        if self.dose_number and self.dose_number > self.product.dose_count:
            errors["dose_number"] = (
                f"{self.product} has {self.product.dose_count} dose(s): "
                f"there is no dose {self.dose_number}."
            )
        if self.given_on > timezone.localdate():
            errors["given_on"] = "A dose cannot be given in the future."
        others = Dose.objects.filter(recipient_id=self.recipient_id).exclude(pk=self.pk)
        if "dose_number" in errors:
            pass  # no such dose: nothing to compare with the others
        elif self.dose_number and self.dose_number > 1:
            first = others.filter(dose_number=1).select_related("product").first()
            if first is None:
                errors["dose_number"] = "Record the recipient's dose 1 first."
            elif (
                self.dose_number > 2
                and not others.filter(dose_number=self.dose_number - 1).exists()
            ):
                errors["dose_number"] = f"Record the recipient's dose {self.dose_number - 1} first."
            elif first.product_id != self.product_id:
                errors["product"] = f"The recipient's dose 1 was {first.product}: use it again."
            elif self.given_on < first.given_on:
                errors["given_on"] = (
                    f"Dose 1 was given on {first.given_on:%b %-d, %Y}: "
                    "a later dose cannot be given before it."
                )
        elif self.dose_number == 1:
            for later in others.filter(dose_number__gt=1).select_related("product"):
                if later.product_id != self.product_id:
                    errors["product"] = (
                        f"The recipient's dose {later.dose_number} was {later.product}."
                    )
                elif later.given_on < self.given_on:
                    errors["given_on"] = (
                        f"Dose {later.dose_number} was given on {later.given_on:%b %-d, %Y}: "
                        "dose 1 cannot be after it."
                    )
        if errors:
            raise ValidationError(errors)


def incomplete_record() -> models.Q:
    """Doses whose record is incomplete (Dose.is_incomplete), as a query."""
    condition = models.Q(pk__in=[])
    for name in Dose.REQUIRED_FOR_RECORD:
        empty = {f"{name}__isnull": True}
        if isinstance(Dose._meta.get_field(name), models.CharField):
            empty = {name: ""}
        condition |= models.Q(**empty)
    return condition


class SecondDoseReminder(models.Model):
    """The second-dose reminder for a first dose, recorded with its email before it is sent:
    the unique first dose makes it once, however many reminder runs overlap."""

    first_dose = models.OneToOneField(Dose, on_delete=models.CASCADE, related_name="reminder")
    email = models.OneToOneField(OutboundEmail, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Reminder for {self.first_dose}"


class VaccineRecord(Recipient):
    """A recipient as the admin shows their vaccine record: who they are and every dose, on
    one page (portal.admin.VaccineRecordAdmin). No table of its own."""

    class Meta:
        proxy = True
        verbose_name = "vaccine record"


class NcirMessage(models.Model):
    """One HL7 VXU^V04 message reporting a dose to NCIR (North Carolina's immunization
    registry): added, corrected or deleted. Built and stored when the dose is saved, so what
    is sent is what was true then, and a deleted dose keeps the message that deletes it.

    Its life: Pending (queued) → Exported (in a batch file, by `export_ncir_batch` or the
    admin) → Accepted or Rejected (the registry's ACK file, `import_ncir_acks`). Staff resend
    a rejected one: it is Pending again, with a new control id (portal.ncir)."""

    class Action(models.TextChoices):
        # HL7 table 0323 (RXA-21)
        ADD = "A", "Add"
        UPDATE = "U", "Update"
        DELETE = "D", "Delete"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        EXPORTED = "exported", "Exported"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    dose = models.ForeignKey(
        Dose, on_delete=models.SET_NULL, null=True, blank=True, related_name="ncir_messages"
    )
    # Kept apart from the dose, which may be deleted: whose record it is, and the location
    # whose daily batch carries it.
    recipient = models.ForeignKey(Recipient, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=1, choices=Action.choices)
    control_id = models.CharField("message control id (MSH-10)", max_length=20, unique=True)
    message = models.TextField(help_text="The VXU message as built (HL7 ER7).")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.TextField("registry's error", blank=True)
    created_at = models.DateTimeField("queued at", default=timezone.now)
    batch = models.CharField("batch control id", max_length=20, blank=True)
    exported_at = models.DateTimeField(null=True, blank=True)
    acked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "NCIR message"
        indexes = [
            # What the daily export looks for: a location's pending messages.
            models.Index(
                fields=["location", "created_at"],
                condition=models.Q(status="pending"),
                name="ncir_pending_by_location",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.control_id} ({self.get_action_display()})"
