from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Lower
from django.utils import timezone

from providers.models import Location

from .names import SHORT_WORD, WORD_STARTS, name_key, search_key, searched_address


class RecipientQuerySet(models.QuerySet):
    def active(self) -> RecipientQuerySet:
        """Recipients not removed by the help desk: the ones lists and counts show."""
        return self.filter(removed_at__isnull=True)

    def of_upload(self, upload_id: int) -> RecipientQuerySet:
        """The recipients an upload created, by last name then first (its index's order)."""
        return self.filter(upload_id=upload_id).order_by("name_last_first", "id")

    def search(self, terms: str) -> RecipientQuerySet:
        """Recipients whose first or last name contains every word of `terms`, in any order
        (a word shorter than SHORT_WORD: the start of a word of the name); or, for an email
        address (names.searched_address), the recipients with that address, whatever its case.
        """
        address = searched_address(terms)
        if address:
            return self.with_address(address)
        queryset = self
        for word in search_key(terms).split():
            if len(word) >= SHORT_WORD:
                queryset = queryset.filter(name_first_last__contains=word)
                continue
            starts = Q(name_first_last__startswith=word)
            for before in WORD_STARTS:
                starts |= Q(name_first_last__contains=before + word)
            queryset = queryset.filter(starts)
        return queryset

    def with_address(self, address: str) -> RecipientQuerySet:
        """Recipients whose email is `address`, ignoring case (the index of the Email sort)."""
        return self.filter(email_folded=Lower(Value(address)))


def _active_sort_index(column: str, name: str) -> models.Index:
    """One sort of Loaded Recipients: a location's active (not removed) recipients by
    `column`, so the first page never sorts the whole location.

    By `column` alone, not then by id: PostgreSQL keeps one entry per value holding its rows
    (deduplication), for the values many recipients share (a date of birth, an address, a
    common name). With the id, each new row went to the end of its value's run, a page of its
    own per value: at a million recipients an import read and wrote back a page of each sort
    index per row. Without it, 9.5 MB instead of 50 for the dates of birth, and an import adds
    to a value's entry where one exists (bench/README.md, issue 27). The order among a value's
    rows (by id) is sorted from the table for the page that shows them (recipients.search).
    """
    return models.Index(
        fields=["location", column],
        name=name,
        condition=models.Q(removed_at__isnull=True),
    )


class Recipient(models.Model):
    """A person preregistered by a location to receive the vaccine."""

    # No index of its own: the composite indexes below all lead with the location, and
    # without a bare one the planner counts and filters with index-only scans of those.
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        related_name="recipients",
        db_index=False,
    )
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    date_of_birth = models.DateField()
    email = models.EmailField(max_length=254)
    # The email in lower case, kept by the database itself: what the Email column sorts by and
    # an address search matches (issue 25). A column rather than an index on lower(email):
    # PostgreSQL reads an expression's order from an index alone (an index-only scan, what a
    # deep page needs) only if the column it is computed from is in the index too, which
    # would make the index half as large again for every import to write.
    email_folded = models.GeneratedField(
        expression=Lower("email"),
        output_field=models.CharField(max_length=254),
        db_persist=True,
        editable=False,
    )
    first_name_key = models.CharField(max_length=80, editable=False)
    last_name_key = models.CharField(max_length=80, editable=False)
    # Unaccented, case-folded "first last" and "last first": what "Search this list" matches,
    # and the orders of the First Name and Last Name columns (Álvarez sorts among the As).
    name_first_last = models.CharField(max_length=161, editable=False, default="")
    name_last_first = models.CharField(max_length=161, editable=False, default="")

    # Recipients are created by uploads; "bulkupload" builds on this app, so the reference is
    # by name only and this module never imports it.
    #
    # Every reference here is a foreign-key constraint: the database refuses a row that points
    # at nothing, whoever deletes what. An import (bulkupload.writer) creates a batch's
    # recipients, accounts and welcome emails in one transaction; the constraints are
    # deferred, so they are checked when it commits, each one a primary-key look-up.
    #
    # An upload that created recipients is never deleted (it is where they came from): Django
    # does nothing on its delete, and the database refuses it. Only files awaiting review,
    # which nothing points to, are deleted.
    upload = models.ForeignKey(
        "bulkupload.Upload",
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="recipients",
        db_index=False,  # indexed with the order its page lists them in (Meta.indexes)
    )
    # Not indexed: no page or job looks recipients up by creator, and the index would be
    # written for every recipient an import creates. Looking them up scans the table: Django's
    # on_delete when a user is deleted in the admin.
    # Left empty by an import through an upload, whose uploader is who loaded the recipient
    # (loaded_by): one reference less for the database to check per row. Indexed on SQLite
    # only, where inserting an account looks it up
    # (recipients/migrations/0002_squashed_search_and_counts.py says why).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="recipients_created",
        db_index=False,
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The recipient's own sign-in to the recipient portal (username `email.covid19vaccine`),
    # created with the recipient by the upload; no usable password until they set one.
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recipient",
    )

    # Providers cannot delete recipients (guide, "How to Remove Loaded Recipients"); the help
    # desk removes them, and the row stays for the audit trail.
    removed_at = models.DateTimeField(null=True, blank=True)
    # Indexed only where set (below): almost every row has none, and an import need not
    # write an index entry for each.
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recipients_removed",
        db_index=False,
    )
    removal_reason = models.TextField(blank=True)

    # Their welcome email did not reach them (bounced, or marked as spam), and which one: the
    # manager sees it on Loaded Recipients and this recipient's page. A later welcome email the
    # mail server accepts clears it (recipients.receivers).
    welcome_problem = models.CharField(
        max_length=10,
        blank=True,
        default="",
        choices=[("bounced", "Bounced"), ("complained", "Marked as spam")],
    )
    welcome_problem_email = models.ForeignKey(
        "outbox.OutboundEmail",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # indexed only where set (below)
    )

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
        # Lists show active recipients of one location, sorted by one column; each sort has
        # its index, so the first page never sorts the whole location. Every index is written
        # for every recipient an upload creates: none is here that no query uses.
        indexes = [
            # "Welcome email bounced" on Loaded Recipients, and the reference's check when an
            # email is deleted: a few rows, so a few entries.
            models.Index(
                fields=["location", "name_last_first", "id"],
                name="recipient_loc_welcome_problem",
                condition=models.Q(welcome_problem_email__isnull=False),
            ),
            models.Index(
                fields=["welcome_problem_email"],
                name="recipient_welcome_problem",
                condition=models.Q(welcome_problem_email__isnull=False),
            ),
            _active_sort_index("name_last_first", "recipient_loc_last_first"),
            _active_sort_index("name_first_last", "recipient_loc_first_last"),
            _active_sort_index("date_of_birth", "recipient_loc_born"),
            # The Email column's order ignores case (issue 25), and a search for an address
            # finds its recipients through the same entries.
            _active_sort_index("email_folded", "recipient_loc_address"),
            # An upload's page lists the recipients it created (and taking over a stopped
            # job finds those it had created); only recipients that came by upload have one.
            models.Index(
                fields=["upload", "name_last_first", "id"],
                name="recipient_upload_last",
                condition=models.Q(upload__isnull=False),
            ),
            models.Index(
                fields=["removed_by"],
                name="recipient_removed_by",
                condition=models.Q(removed_by__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Recipient #{self.pk}"

    def save(self, *args, **kwargs) -> None:
        self.fill_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"first_name", "last_name"} & set(update_fields):
            kwargs["update_fields"] = {
                *update_fields,
                "first_name_key",
                "last_name_key",
                "name_first_last",
                "name_last_first",
            }
        super().save(*args, **kwargs)

    def fill_keys(self) -> None:
        """Derives the matching and search fields from the names.

        save() calls it; code that bypasses save() (bulk_create) must call it itself.
        """
        self.first_name_key = name_key(self.first_name)
        self.last_name_key = name_key(self.last_name)
        self.name_first_last = search_key(self.first_name, self.last_name)
        self.name_last_first = search_key(self.last_name, self.first_name)

    @property
    def loaded_by(self):
        """Who loaded this recipient: the uploader of its upload, or whoever created it
        without one (an import through an upload leaves created_by empty, see the writer)."""
        if self.created_by_id is None and self.upload_id is not None:
            return self.upload.uploaded_by
        return self.created_by


class RecipientCount(models.Model):
    """A change in a location's number of active recipients (recipients/counts.py): written by
    the database's own triggers on PostgreSQL, summed to give the total."""

    # No constraint: the rows are the database's own bookkeeping of the recipients, which hold
    # the reference that matters (a location with recipients cannot be deleted), and a check
    # here would refuse a statement for the count's sake before the recipient's own did.
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    delta = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.delta:+} at location {self.location_id}"
