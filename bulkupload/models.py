from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from providers.models import Location, User
from recipients.placeholders import placeholder_sentence

from .engine.report import example_notice

# A Low Volume file uploaded for review and neither created nor cancelled is dropped after this.
PREVIEW_EXPIRES_AFTER = dt.timedelta(hours=1)


class UploadQuerySet(models.QuerySet):
    def without_files(self) -> UploadQuerySet:
        """Files can be megabytes each: lists and status checks never load them."""
        return self.defer("content", "error_file")

    def for_location(self, location: Location) -> UploadQuerySet:
        return self.filter(location=location)

    def submitted(self) -> UploadQuerySet:
        """Uploads past review: every file but those awaiting review on the Low Volume tab."""
        return self.exclude(status=Upload.Status.PREVIEW)

    def awaiting_review_by(
        self, user: User, location: Location, source: str = "low_volume"
    ) -> UploadQuerySet:
        """This manager's files uploaded here for review, not created or cancelled yet, and
        still fresh: Low Volume files being reviewed, or (source "high_volume") a file too
        large for Low Volume kept for the High Volume tab until the manager sends it there."""
        return self.filter(
            location=location,
            uploaded_by=user,
            source=source,
            status=Upload.Status.PREVIEW,
            created_at__gte=timezone.now() - PREVIEW_EXPIRES_AFTER,
        )

    def files_past_retention(self, now: dt.datetime) -> UploadQuerySet:
        """Finished uploads whose file and failed records have been kept long enough."""
        cutoff = now - dt.timedelta(days=settings.UPLOAD_RETENTION_DAYS)
        return self.filter(
            status__in=Upload.FINISHED,
            finished_at__lt=cutoff,
            files_deleted_at__isnull=True,
        )

    def expired_previews(self, now: dt.datetime) -> UploadQuerySet:
        return self.filter(status=Upload.Status.PREVIEW, created_at__lt=now - PREVIEW_EXPIRES_AFTER)


class Upload(models.Model):
    """One recipient file, from whichever door it came in, and what became of it.

    The file and its error file live in the database, so any worker on any machine can
    process or serve them without a shared disk. This row, not the task queue, is the source
    of truth for the upload's status and counts.
    """

    class Source(models.TextChoices):
        LOW_VOLUME = "low_volume", "Low Volume"
        HIGH_VOLUME = "high_volume", "High Volume"
        HELP_DESK = "help_desk", "Help desk"
        COMMAND_LINE = "command_line", "Command line"

    class Status(models.TextChoices):
        PREVIEW = "preview", "Awaiting review"  # Low Volume: read, shown, nothing created yet
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Processing"
        DONE = "done", "Done"
        REJECTED = "rejected", "Rejected"
        FAILED = "failed", "Failed"

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="uploads")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="uploads"
    )
    source = models.CharField(max_length=20, choices=Source.choices)
    file_name = models.CharField(max_length=255)
    content = models.BinaryField(editable=False)
    content_sha256 = models.CharField(max_length=64, db_index=True, editable=False)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    rows = models.PositiveIntegerField(null=True, blank=True)
    processed = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    # Of created_count, those with a placeholder address (recipients.placeholders): not emailed.
    placeholder_count = models.PositiveIntegerField(default=0)
    # Lines of the template's example row (Jane Example), skipped: not counted in rows.
    example_lines = models.JSONField(default=list, blank=True, editable=False)
    # Rows of people loaded at this location already, neither created nor failed
    # (engine/reconcile.py): nothing to do, or an email change for the manager to review.
    already_loaded_count = models.PositiveIntegerField(default=0)
    change_count = models.PositiveIntegerField(default=0)
    error_file = models.BinaryField(null=True, blank=True, editable=False)
    problem = models.TextField(
        blank=True, help_text="Why the whole file was rejected or why processing failed."
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Background processing: the worker that holds the job touches heartbeat_at at every
    # batch; a job whose heartbeat stops is taken over (attempts counts the takes).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The file and its failed records are personal data, kept UPLOAD_RETENTION_DAYS after the
    # upload ended (bulkupload.retention); the row, its counts and its results stay.
    files_deleted_at = models.DateTimeField(null=True, blank=True)
    # The uploader clicked DONE on the High Volume tab's finished job: the tab stops showing it.
    dismissed_at = models.DateTimeField(null=True, blank=True)
    # When the welcome emails of a manager's upload go out (UNDO_WINDOW_MINUTES after it was
    # processed): until then its uploader may undo it (bulkupload.undo). Empty: they went at
    # once (no window; the command line and the help desk).
    welcome_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = UploadQuerySet.as_manager()

    FINISHED = (Status.DONE, Status.REJECTED, Status.FAILED)
    # The doors of a manager in the portal, who can take an upload back: the others send at once
    # (the command line's operator and the help desk have no undo to offer).
    UNDOABLE_SOURCES = (Source.LOW_VOLUME, Source.HIGH_VOLUME)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["location", "-created_at"], name="upload_loc_created"),
        ]

    def __str__(self) -> str:
        return f"Upload #{self.pk} ({self.file_name})"

    @classmethod
    def max_rows_for(cls, source: str) -> int:
        """The row limit of the door a file comes in by: Low Volume 100, the others 5,000."""
        if source == cls.Source.LOW_VOLUME:
            return settings.LOW_VOLUME_MAX_ROWS
        return settings.HIGH_VOLUME_MAX_ROWS

    @property
    def max_rows(self) -> int:
        return self.max_rows_for(self.source)

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    # How a finished upload is shown (alert, banner, Reports, the email's subject): one rule.
    SUCCESS, WARNING, ERROR = "success", "warning", "error"

    @property
    def reconciled_count(self) -> int:
        """Rows of people loaded here already: neither created nor failed."""
        return self.already_loaded_count + self.change_count

    @property
    def outcome(self) -> str:
        """success when every row was created or was loaded here already; warning when some
        were and some not; error when none were (every row failed, or the file was refused or
        processing stopped before creating anyone). Empty while the upload is not finished."""
        if not self.is_finished:
            return ""
        done = self.status == self.Status.DONE
        if self.created_count == 0 and not (done and self.reconciled_count):
            return self.ERROR
        if done and self.failed_count == 0:
            return self.SUCCESS
        return self.WARNING

    @property
    def outcome_summary(self) -> str:
        """The outcome in a sentence: "3 of 40 recipients could not be created." """
        outcome, rows, created = self.outcome, self.rows or 0, self.created_count
        if self.reconciled_count and outcome in (self.SUCCESS, self.WARNING):
            return self._reconciled_summary()
        if outcome == self.SUCCESS:
            if created == 1:
                return "The recipient was created."
            return f"All {created:,} recipients were created."
        if outcome == self.WARNING:
            # Processing that stopped part-way counts the rows it never reached as not created.
            return f"{rows - created:,} of {rows:,} recipients could not be created."
        if outcome == self.ERROR:
            if self.status != self.Status.DONE or not rows:
                return "No recipients were created."
            if rows == 1:
                return "The recipient could not be created."
            return f"None of the {rows:,} recipients could be created."
        return ""

    def _reconciled_summary(self) -> str:
        """A re-upload's outcome: "1 created, 8 already loaded (nothing to do), 1 change to
        review, 0 failed." """
        parts = [
            f"{self.created_count:,} created",
            f"{self.already_loaded_count:,} already loaded (nothing to do)",
        ]
        if self.change_count:
            parts.append(
                f"{self.change_count:,} change{'s' if self.change_count != 1 else ''} to review"
            )
        if self.status == self.Status.DONE:
            parts.append(f"{self.failed_count:,} failed")
        else:  # stopped part-way: the rows never reached were not created either
            rest = (self.rows or 0) - self.created_count - self.reconciled_count
            parts.append(f"{rest:,} not created")
        return ", ".join(parts) + "."

    @property
    def placeholder_summary(self) -> str:
        """What the upload's counts say of its placeholder addresses, or nothing."""
        return placeholder_sentence(self.placeholder_count)

    def welcome_waits(self, now: dt.datetime | None = None) -> bool:
        """Whether the welcome emails still wait for the window to close: the upload can be
        undone, or its emails sent now."""
        return (
            self.welcome_at is not None
            and self.undone_at is None
            and self.welcome_at > (now or timezone.now())
        )

    @property
    def can_be_undone(self) -> bool:
        """Undo is offered: the upload is finished, created someone, and its window is open."""
        return self.is_finished and self.created_count > 0 and self.welcome_waits()

    @property
    def example_notice(self) -> str:
        """ "Line 2 is the template's example and was skipped.", or nothing."""
        return example_notice(self.example_lines or ())

    @property
    def has_error_file(self) -> bool:
        """Whether the failed records can be downloaded (and were emailed)."""
        return (
            self.status == self.Status.DONE
            and self.failed_count > 0
            and self.files_deleted_at is None
        )

    @classmethod
    def claim(cls, upload_id: int, *, stale_after: dt.timedelta) -> Upload | None:
        """Take the job: a queued one, or a running one whose worker stopped beating. One
        UPDATE, so of two workers (or two clicks) handed the same job only one gets it."""
        now = timezone.now()
        taken = (
            cls.objects.filter(pk=upload_id)
            .filter(
                models.Q(status=cls.Status.QUEUED)
                | models.Q(status=cls.Status.RUNNING, heartbeat_at__lt=now - stale_after)
            )
            .update(status=cls.Status.RUNNING, heartbeat_at=now, attempts=models.F("attempts") + 1)
        )
        if not taken:
            return None  # finished, gone, or another worker has it
        return cls.objects.select_related("location", "uploaded_by").get(pk=upload_id)

    def start(self) -> None:
        """Processing begins; a job taken over after its worker died keeps its first start,
        and the time its welcome emails go out (held UNDO_WINDOW_MINUTES for a manager's
        upload: the writer queues them due then)."""
        now = timezone.now()
        self.status, self.heartbeat_at = self.Status.RUNNING, now
        self.started_at = self.started_at or now
        window = dt.timedelta(minutes=settings.UNDO_WINDOW_MINUTES)
        if self.welcome_at is None and window and self.source in self.UNDOABLE_SOURCES:
            self.welcome_at = now + window
        self._update(
            status=self.status,
            started_at=self.started_at,
            heartbeat_at=now,
            welcome_at=self.welcome_at,
        )

    def record_progress(
        self,
        rows: int,
        created: int,
        failed: int,
        placeholders: int = 0,
        *,
        already_loaded: int = 0,
        changes: int = 0,
    ) -> None:
        """After each batch: the counts so far, and the heartbeat that says the worker lives."""
        self.rows, self.processed = rows, created + failed + already_loaded + changes
        self.created_count, self.failed_count = created, failed
        self.placeholder_count = placeholders
        self.already_loaded_count, self.change_count = already_loaded, changes
        self.heartbeat_at = timezone.now()
        self._update(
            rows=rows,
            processed=self.processed,
            created_count=created,
            failed_count=failed,
            placeholder_count=placeholders,
            already_loaded_count=already_loaded,
            change_count=changes,
            heartbeat_at=self.heartbeat_at,
        )

    def finish(self, status: str, **fields) -> None:
        """The job ended as `status` (done, rejected, failed), with these last fields."""
        fields.update(status=status, finished_at=timezone.now())
        for name, value in fields.items():
            setattr(self, name, value)
        self._update(**fields)

    def dismiss(self) -> None:
        """The uploader has seen how the job ended (DONE); a second DONE changes nothing."""
        if self.dismissed_at is None:
            self.dismissed_at = timezone.now()
            self._update(dismissed_at=self.dismissed_at)

    def _update(self, **fields) -> None:
        # Only these fields: the file itself is never written again.
        type(self).objects.filter(pk=self.pk).update(**fields)


class UploadSummaryEmail(models.Model):
    """Which email told the manager about an upload: at most one per upload (its key), however
    often a finished job is reported. Kept here, not on the email: the outbox sits below this
    app and points at nothing of it."""

    upload = models.OneToOneField(
        Upload, on_delete=models.CASCADE, primary_key=True, related_name="summary_email"
    )
    email = models.OneToOneField("outbox.OutboundEmail", on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"Summary of upload {self.upload_id}"


class UploadBounceDigest(models.Model):
    """An email to the uploader about welcome emails of their upload that did not arrive, and
    when it was due: the next one is due an hour later at the earliest (bulkupload.welcome)."""

    email = models.OneToOneField(
        "outbox.OutboundEmail", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="bounce_digests")
    due_at = models.DateTimeField()

    class Meta:
        ordering = ["upload", "-due_at"]

    def __str__(self) -> str:
        return f"Bounce digest of upload {self.upload_id}"


class UploadEmailChange(models.Model):
    """A row of an upload for a person loaded at its location already with another address
    (engine/reconcile.py): applied only when a manager accepts it, as a correction of the
    address on the recipient's page (recipients.selfservice.correct_email). `registered`: the
    person's account was set up already, so there is nothing to accept (they change it in the
    portal). The new address is personal data: it goes with the upload's files at the end of
    their retention (bulkupload.retention)."""

    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="email_changes")
    recipient = models.ForeignKey(
        "recipients.Recipient", on_delete=models.CASCADE, related_name="+"
    )
    line = models.PositiveIntegerField()
    email = models.EmailField(max_length=254)
    registered = models.BooleanField(default=False)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["upload", "line"]
        constraints = [
            models.UniqueConstraint(fields=["upload", "line"], name="upload_email_change_line")
        ]

    def __str__(self) -> str:
        return f"Email change of upload {self.upload_id}, line {self.line}"

    @property
    def acceptable(self) -> bool:
        """Whether a manager may still accept it (bulkupload.changes.pending_changes)."""
        return not (self.registered or self.accepted_at or self.recipient.removed_at)
