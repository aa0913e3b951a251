"""The CVMS Help Desk: who registered to file requests, the requests as cases, and each case's
timeline.

A case is what a provider asks the help desk for (guide, "Submit the Recipient Bulk Upload File
to the CVMS Help Desk Portal", "How to Remove Loaded Recipients"); staff work it in the admin.
The rules for changing one live in helpdesk.cases; these are the records.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from bulkupload.models import Upload
from providers.models import Location
from recipients.models import Recipient

GENERIC_REGISTRATION_CODE = "VAC2021"


class Requester(models.Model):
    """An account registered on the help desk's Register page (guide, first page).

    Registered with a Provider PIN, the account is linked to that location for its cases (the
    request form starts from it); with the generic code VAC2021 it is linked to none. Neither
    verifies anybody: a PIN is printed on packing lists. Trust is per location
    (helpdesk.verification: a manager, staff, or a Verification). The account reaches the help
    desk only: it grants nothing in the provider portal.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="helpdesk_profile"
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="requesters"
    )
    registration_code = models.CharField(max_length=9)
    # The emailed temporary password must be replaced at the first sign-in.
    must_change_password = models.BooleanField(default=True)
    # The account-wide verification of before Verification existed: nothing reads or writes
    # it any more (to drop with the next schema change).
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "help-desk requester"

    def __str__(self) -> str:
        return str(self.user)


class Case(models.Model):
    """One request to the help desk, with its number (CS0001001, ...) and where it stands."""

    class Kind(models.TextChoices):
        BULK_UPLOAD = "bulk_upload", "Recipient Bulk Upload"
        HCP_ONBOARDING = "hcp_onboarding", "HCP Onboarding"
        REMOVAL = "removal", "Remove a recipient"
        # Asked on the recipient portal's contact form, signed in or not.
        RECIPIENT_QUESTION = "recipient_question", "Recipient question"

    class Status(models.TextChoices):
        NEW = "new", "New"
        IN_PROGRESS = "in_progress", "In progress"
        AWAITING_INFO = "awaiting_info", "Awaiting info"
        RESOLVED = "resolved", "Resolved"
        REJECTED = "rejected", "Rejected"

    class Source(models.TextChoices):
        WEB = "web", "Help Desk Portal"
        PHONE = "phone", "Phone"
        RECIPIENT_PORTAL = "recipient_portal", "Recipient portal"

    class AccessDecision(models.TextChoices):
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    number = models.CharField(max_length=12, unique=True, editable=False)
    kind = models.CharField("request type", max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.WEB)
    # Empty only for a recipient's question asked without signing in: the answer goes to
    # contact_email.
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="helpdesk_cases",
    )
    # The agent working the case ("assigned to me" in the queue).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
        limit_choices_to={"is_staff": True, "is_active": True},
    )
    # Staff who opened the case for a caller; empty when the requester filed it.
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The location the case is about, when the VFC PIN names one: its managers see the case,
    # and a processed file's recipients are created there.
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="helpdesk_cases"
    )
    # What the requester typed, kept as typed.
    vfc_pin = models.CharField("VFC PIN", max_length=9, blank=True)
    organization_name = models.CharField("organization", max_length=200, blank=True)
    location_name = models.CharField("location", max_length=200, blank=True)
    contact_name = models.CharField(max_length=160, blank=True)
    contact_email = models.EmailField(max_length=254, blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    description = models.TextField(blank=True)

    # Removal: who, and why.
    recipient = models.ForeignKey(
        Recipient,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="helpdesk_cases",
    )
    removal_reason = models.TextField(blank=True)
    # HCP Onboarding: the people to make managers of the location, [{"first_name",
    # "last_name", "email"}, ...].
    people = models.JSONField(default=list, blank=True)

    # HCP Onboarding: what an existing manager of the location (or staff, with a reason)
    # decided about the access the case asks for.
    access_decision = models.CharField(
        max_length=10, choices=AccessDecision.choices, blank=True, default=""
    )
    access_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    access_decided_at = models.DateTimeField(null=True, blank=True)
    access_decision_reason = models.TextField(blank=True)

    # The job "Process attached recipient file" started (at most one per case).
    upload = models.OneToOneField(
        Upload, on_delete=models.PROTECT, null=True, blank=True, related_name="helpdesk_case"
    )

    # Optimistic locking: every change bumps it, and a change made from an older version is
    # refused (two staff on one case never silently overwrite each other).
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="case_queue"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_closed(self) -> bool:
        return self.status in {self.Status.RESOLVED, self.Status.REJECTED}


class CaseFile(models.Model):
    """The RECIPIENT BULK UPLOAD FILE attached to a case, and what the check on submit found.

    Personal data: never emailed, never in a URL, downloadable by staff only (each download
    recorded), and its content deleted HELPDESK_FILE_RETENTION_DAYS after the case closes.
    """

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="attachment")
    purpose = models.CharField(max_length=20, default="recipients")  # or "people" (onboarding)
    file_name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    content = models.BinaryField(null=True, editable=False)
    # The dry run on submit: rows, how many would fail, and the first few messages.
    rows = models.PositiveIntegerField(default=0)
    failed_rows = models.PositiveIntegerField(default=0)
    first_errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    purged_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.file_name} ({self.case})"


class CaseEvent(models.Model):
    """One entry of a case's timeline: opened, a status change, a reply, an action's result.

    Internal entries (a staff download of the attachment) are for staff only.
    """

    class Kind(models.TextChoices):
        # After each kind: the modules that write it.
        OPENED = "opened", "Opened"  # helpdesk.cases
        STATUS = "status", "Status changed"  # helpdesk.cases, .actions, .admin
        COMMENT = "comment", "Reply"  # helpdesk.cases
        UPDATED = "updated", "Details completed"  # helpdesk.cases
        PROCESSED = "processed", "Recipient file sent for processing"  # helpdesk.actions
        RESULT = "result", "Result"  # helpdesk.actions
        REMOVED = "removed", "Recipient removed"  # helpdesk.actions
        ONBOARDED = "onboarded", "HCP users onboarded"  # helpdesk.actions
        VERIFIED = "verified", "Requester verified"  # helpdesk.actions
        DOWNLOADED = "downloaded", "Attachment downloaded"  # helpdesk.admin
        ASSIGNED = "assigned", "Assigned"  # helpdesk.cases
        ACCESS_APPROVED = "access_approved", "Access approved"  # helpdesk.actions
        ACCESS_DECLINED = "access_declined", "Access declined"  # helpdesk.actions

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    old_status = models.CharField(max_length=20, blank=True)
    new_status = models.CharField(max_length=20, blank=True)
    text = models.TextField(blank=True)
    internal = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case}: {self.get_kind_display()}"


class Verification(models.Model):
    """A person checked by someone trusted as entitled to one location's recipients: who
    checked, when and how. With it (or as a manager of the location, or as staff) a request
    may grant access to the location (helpdesk.verification)."""

    class Method(models.TextChoices):
        PHONE_ON_FILE = "phone_on_file", "Called the location's phone number on file"
        MANAGER_CONFIRMED = "manager_confirmed", "Confirmed by an existing manager of the location"
        ENROLLMENT_RECORD = "enrollment_record", "Checked the organization's enrollment record"
        OTHER = "other", "Other (see the note)"
        # Only the migration that brought verification per location writes it.
        UNKNOWN = "unknown", "Unknown (verified before the method was recorded)"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="location_verifications"
    )
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="verifications")
    method = models.CharField(max_length=20, choices=Method.choices)
    note = models.TextField(blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_at = models.DateTimeField(default=timezone.now)
    # The case it was done on, if any.
    case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="verifications"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "location"], name="one_verification_per_location"
            ),
            models.CheckConstraint(
                condition=~models.Q(method="other") | ~models.Q(note=""),
                name="verification_other_has_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} verified for {self.location}"
