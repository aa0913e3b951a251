from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class OutboundEmail(models.Model):
    """An email to send, recorded in the same transaction as what it announces.

    The outbox is how a recipient is never emailed twice and never silently not emailed: a
    task claims queued rows, sends them and marks each one (outbox.sending), and unique
    constraints refuse a second welcome email for an account. An app that must know which of
    its records an email was about keeps the link itself (bulkupload.UploadSummaryEmail,
    portal.SecondDoseReminder): the outbox points at nothing above it.

    The kinds are named here so that the table's constraints can name them; how each is
    written is registered by the app that owns it (outbox.composers).
    """

    class Kind(models.TextChoices):
        # Each kind's composer (outbox.composers) is named after it, or above it where the
        # line is full.
        WELCOME = "welcome", "Welcome to the COVID-19 Vaccine Portal"  # portal.emails
        UPLOAD_SUMMARY = "upload_summary", "Upload summary to the manager"  # bulkupload.emails
        # Written when queued (subject and body below): the help desk's case emails.
        MESSAGE = "message", "Message"  # outbox.messages
        # Composed when sent, because they carry a secret that must not sit in this table:
        # a help-desk registration's username and temporary password (made at sending), and a
        # new manager's link to set a password.
        # TEMPORARY_PASSWORD: helpdesk.emails
        TEMPORARY_PASSWORD = "temporary_password", "Help-desk account with temporary password"
        ACCOUNT_SETUP = "account_setup", "Provider-portal account set-up link"  # helpdesk.emails
        # A recipient's "Forgot password" link, made when sent so that it is fresh.
        # RECIPIENT_PASSWORD_RESET: portal.emails
        RECIPIENT_PASSWORD_RESET = "recipient_password_reset", "Recipient-portal password reset"
        # The welcome email again, at a manager's request from the recipient's page (a fresh
        # link, or the new address after a correction): recipients.selfservice.
        WELCOME_AGAIN = "welcome_again", "Welcome email sent again"  # portal.emails
        # To the manager who uploaded: some welcome emails of the upload did not arrive (at most
        # one an hour per upload: bulkupload.welcome).
        # BOUNCE_DIGEST: bulkupload.emails
        BOUNCE_DIGEST = "bounce_digest", "Welcome emails that did not arrive, to the uploader"

    class Status(models.TextChoices):
        """queued → sending → accepted (the relay said 250) → delivered (where a provider
        reports it) / deferred (the receiving side is still trying) / bounced (refused for
        good, with the receiver's reason) / complained (marked as spam). A temporary refusal
        at send time is retried (queued again) until EMAIL_DEFERRED_GIVE_UP, then failed;
        failed too: an error of ours retried MAX_ATTEMPTS times. cancelled: taken back while
        it still waited (an upload undone within its window: outbox.queue.cancel_waiting)."""

        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        ACCEPTED = "accepted", "Accepted by the mail server"
        DELIVERED = "delivered", "Delivered"
        DEFERRED = "deferred", "Delayed"
        BOUNCED = "bounced", "Bounced"
        COMPLAINED = "complained", "Marked as spam"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled before it was sent"

    kind = models.CharField(max_length=30, choices=Kind.choices)
    # Who it goes to: the welcome email's recipient account, the manager an upload summary
    # goes to, a help-desk requester, a new manager. Empty only for a message to an address
    # with no account behind it (the answer to a recipient's question asked signed out):
    # then `to_email` says where.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbound_emails",
    )
    to_email = models.EmailField(max_length=254, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # Only messages (Kind.MESSAGE) have them; the other kinds are composed when sent.
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)  # when the relay accepted it
    # What the receiving side said last, in its own words ("5.1.1 mailbox does not exist"),
    # and when. May name the address: shown to staff and the manager, never logged.
    reason = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # The first temporary refusal at send time: past EMAIL_DEFERRED_GIVE_UP it is given up.
    deferred_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # Every email has somewhere to go; only a stored message may go to a bare address.
            models.CheckConstraint(
                condition=models.Q(user__isnull=False)
                | models.Q(kind="message") & ~models.Q(to_email=""),
                name="outbound_email_has_an_address",
            ),
            models.UniqueConstraint(
                fields=["kind", "user"],
                condition=models.Q(kind="welcome"),
                name="outbound_email_once",
            ),
            # A manager's double click queues one welcome email again, not two: one waits
            # at a time, and it carries a fresh link when it goes.
            models.UniqueConstraint(
                fields=["kind", "user"],
                condition=models.Q(kind="welcome_again", status="queued"),
                name="outbound_welcome_again_waiting",
            ),
        ]
        indexes = [
            # What the sender looks for: queued rows that are due, oldest first.
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=models.Q(status="queued"),
                name="outbound_email_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} email #{self.pk} ({self.status})"

    @property
    def address(self) -> str:
        """Where it goes: the account's email as it is when sent, or the bare address."""
        return self.user.email if self.user_id is not None else self.to_email

    @property
    def is_problem(self) -> bool:
        return self.status in PROBLEMS


# A welcome email in one of these states did not reach the person: the manager is told.
PROBLEMS = frozenset({OutboundEmail.Status.BOUNCED, OutboundEmail.Status.COMPLAINED})


class DeliveryEvent(models.Model):
    """One piece of news about an email: the relay's answer, a bounce message, a provider's
    webhook. The email's history, as the recipient's page and the admin show it."""

    class Source(models.TextChoices):
        RELAY = "relay", "The mail server, when sending"
        BOUNCE = "bounce", "A bounce message"
        WEBHOOK = "webhook", "The email provider"

    email = models.ForeignKey(OutboundEmail, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=OutboundEmail.Status.choices)
    source = models.CharField(max_length=10, choices=Source.choices)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["email", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} ({self.get_source_display()})"
