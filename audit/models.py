"""The audit trail: who did what to personal data, when, from which upload or case.

Append-only: written by `audit.record`, shown to staff in the admin, never changed or deleted
there. Entries name records by their number ("recipient 12", "upload 5", "case CS0001001"),
never by a person's name, birth date or email.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        # Each action's recorder (audit.trail.record) is named after it, or above it where
        # the line is full.
        # RECIPIENTS_CREATED: bulkupload.jobs
        RECIPIENTS_CREATED = "recipients_created", "Recipients created by an upload"
        RECIPIENT_REMOVED = "recipient_removed", "Recipient removed"  # recipients.removal
        # WELCOME_RESENT: recipients.selfservice
        WELCOME_RESENT = "welcome_resent", "Recipient's welcome email sent again"
        # EMAIL_CORRECTED: recipients.selfservice
        EMAIL_CORRECTED = "email_corrected", "Recipient's email address corrected"
        # ROWS_CORRECTED: bulkupload.lowvolume
        ROWS_CORRECTED = "rows_corrected", "Rows corrected on the review page"
        CASE_ACTION = "case_action", "Help-desk action on a case"  # helpdesk.admin
        FILE_DOWNLOADED = "file_downloaded", "Staff downloaded a file"  # helpdesk.admin
        SIGNED_IN = "signed_in", "Signed in"  # audit.receivers
        LOCKED_OUT = "locked_out", "Sign-in locked out"  # audit.receivers
        # A Low Volume preview or re-check that found people loaded at other locations (how
        # many, never who), and one refused for finding such people too often.
        # Low Volume and High Volume alike (the command line excepted: it is an operator's).
        # PREVIEW_FOUND_ELSEWHERE: bulkupload.elsewhere
        PREVIEW_FOUND_ELSEWHERE = "preview_found_elsewhere", "Upload found people loaded elsewhere"
        # PREVIEW_REFUSED: bulkupload.elsewhere
        PREVIEW_REFUSED = "preview_refused", "Upload refused: too many found elsewhere"
        # REQUESTER_VERIFIED: helpdesk.actions
        REQUESTER_VERIFIED = "requester_verified", "Requester verified for a location"
        ACCESS_APPROVED = "access_approved", "Access request approved"  # helpdesk.actions
        ACCESS_DECLINED = "access_declined", "Access request declined"  # helpdesk.actions
        # RECIPIENT_MOVED: nothing records it yet
        RECIPIENT_MOVED = "recipient_moved", "Recipient moved to another location"
        # A recipient's welcome email bounced or was marked as spam (outbox's news, by the
        # recipient's and the email's numbers: never the address or the receiver's words).
        # WELCOME_UNDELIVERED: recipients.receivers
        WELCOME_UNDELIVERED = "welcome_undelivered", "Recipient's welcome email did not arrive"
        # The vaccine record, whoever keeps it (help-desk staff in the admin, a location's
        # manager on the recipient's page), and its report to NCIR.
        DOSE_RECORDED = "dose_recorded", "Dose recorded"  # portal.doses
        DOSE_CORRECTED = "dose_corrected", "Dose corrected"  # portal.doses
        DOSE_DELETED = "dose_deleted", "Dose deleted"  # portal.doses
        # NCIR_EXPORTED: portal.admin, export_ncir_batch
        NCIR_EXPORTED = "ncir_exported", "NCIR batch file exported"
        NCIR_RESENT = "ncir_resent", "NCIR message sent again"  # portal.admin

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(max_length=30, choices=Action.choices)
    target = models.CharField(max_length=100, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.target}".strip()
