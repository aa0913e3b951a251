from __future__ import annotations

import unicodedata

from django.conf import settings
from django.db import models
from django.utils import timezone

from providers.models import Location


def name_key(value: str) -> str:
    """The form of a name used to recognise the same person twice.

    Unicode-normalised (so a composed and a decomposed "é" agree), case-folded, surrounding
    whitespace trimmed and inner runs of whitespace collapsed to one space:
    "  john  SMITH" and "John Smith" have the same key.
    """
    return " ".join(unicodedata.normalize("NFKC", value or "").casefold().split())


class RecipientQuerySet(models.QuerySet):
    def active(self) -> RecipientQuerySet:
        """Recipients not removed by the help desk: the ones lists and counts show."""
        return self.filter(removed_at__isnull=True)


class Recipient(models.Model):
    """A person preregistered by a location to receive the vaccine."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="recipients")
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    date_of_birth = models.DateField()
    email = models.EmailField(max_length=254)
    first_name_key = models.CharField(max_length=80, editable=False)
    last_name_key = models.CharField(max_length=80, editable=False)

    # Recipients are created by uploads; "bulkupload" builds on this app, so the reference is
    # by name only and this module never imports it.
    upload = models.ForeignKey(
        "bulkupload.Upload",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recipients",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="recipients_created",
    )
    created_at = models.DateTimeField(default=timezone.now)

    # Providers cannot delete recipients (guide, "How to Remove Loaded Recipients"); the help
    # desk removes them, and the row stays for the audit trail.
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recipients_removed",
    )
    removal_reason = models.TextField(blank=True)

    objects = RecipientQuerySet.as_manager()

    class Meta:
        ordering = ["last_name_key", "first_name_key", "id"]
        constraints = [
            # The last word on duplicates: the same person (normalized first name, last name
            # and date of birth) exists once, whatever location or concurrent upload adds them.
            # A removed recipient no longer blocks adding the person again.
            models.UniqueConstraint(
                fields=["first_name_key", "last_name_key", "date_of_birth"],
                condition=models.Q(removed_at__isnull=True),
                name="recipient_unique_person",
            ),
        ]
        indexes = [
            models.Index(
                fields=["location", "last_name_key", "first_name_key"],
                name="recipient_loc_name",
            ),
            models.Index(fields=["location", "-created_at"], name="recipient_loc_created"),
        ]

    def __str__(self) -> str:
        return f"Recipient #{self.pk}"

    def save(self, *args, **kwargs) -> None:
        self.first_name_key = name_key(self.first_name)
        self.last_name_key = name_key(self.last_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"first_name", "last_name"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "first_name_key", "last_name_key"}
        super().save(*args, **kwargs)

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None
