"""Taking an upload back before its welcome emails go out (issue 25).

The guide says loaded recipients cannot be deleted, and removal is a help-desk request; most
mistakes (the wrong file, the wrong location) are seen in the first minutes. So a manager's
upload (Low Volume, High Volume) holds its welcome emails UNDO_WINDOW_MINUTES after it was
processed (Upload.start sets `welcome_at`; the writer queues them due then; beat's outbox sweep
sends them within a minute of it, nobody clicking). Until then its uploader may:

- undo it: every recipient it created is removed as the help desk removes one
  (recipients.removal, reason "undone by the uploader", each in the audit trail), their
  emails are cancelled, and the upload says "Undone by … at …";
- send now: the emails go at once, and undo is gone.

Only the uploader, not another manager of the location: the window is for taking back one's
own mistake, seen in one's own result; removing a colleague's recipients stays a help-desk
request, as the guide has it. The command line and the help desk send at once: there is no
uploader in the portal to offer undo to.

Race-free: an undo and the outbox's sender never both win for the same email. Undo cancels
the emails with outbox.queue.cancel_waiting, whose conditional update and the sender's
locked claim let one of the two take each row; should the sender have taken any, the undo
is refused whole and rolled back (tests/test_undo_upload_race.py, on PostgreSQL).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from outbox.models import OutboundEmail
from outbox.queue import cancel_waiting, send_waiting_now
from providers.models import User
from recipients.models import Recipient
from recipients.removal import remove_recipients

from .models import Upload

UNDO_REASON = "undone by the uploader"
CANCEL_REASON = "Not sent: the upload was undone by its uploader."
TOO_LATE = (
    "The upload can no longer be undone: its welcome emails have gone out. To remove "
    "recipients now, ask the help desk."
)


class TooLateToUndo(Exception):
    message = TOO_LATE


def undo_upload(upload: Upload, *, by: User) -> int:
    """Remove every recipient the upload created and cancel their emails, all or nothing;
    returns how many were removed. TooLateToUndo once the window closed (or Send now), the
    upload was undone already, or any of its emails went or is going."""
    with transaction.atomic():
        locked = _locked(upload)
        if not locked.can_be_undone:
            raise TooLateToUndo
        emails = OutboundEmail.objects.filter(user__recipient__upload=locked)
        if emails.filter(sent_at__isnull=False).exists():
            raise TooLateToUndo
        waiting = list(
            emails.filter(
                status__in=[OutboundEmail.Status.QUEUED, OutboundEmail.Status.SENDING]
            ).values_list("pk", flat=True)
        )
        if cancel_waiting(waiting, reason=CANCEL_REASON) < len(waiting):
            raise TooLateToUndo  # the sender took some first: nothing is undone
        removed = remove_recipients(
            Recipient.objects.filter(upload=locked), by=by, reason=UNDO_REASON
        )
        now = timezone.now()
        Upload.objects.filter(pk=locked.pk).update(undone_at=now, undone_by=by)
    upload.undone_at, upload.undone_by = now, by
    return removed


def send_now(upload: Upload) -> bool:
    """The upload's welcome emails go at once, and undo is gone; False when they were not
    waiting any more (sent already, or the upload was undone)."""
    with transaction.atomic():
        locked = _locked(upload)
        if not locked.can_be_undone:
            return False
        now = timezone.now()
        Upload.objects.filter(pk=locked.pk).update(welcome_at=now)
        waiting = OutboundEmail.objects.filter(
            user__recipient__upload=locked, status=OutboundEmail.Status.QUEUED
        )
        send_waiting_now(list(waiting.values_list("pk", flat=True)))
    upload.welcome_at = now
    return True


def _locked(upload: Upload) -> Upload:
    """The upload's row, locked: an undo and a Send now of the same upload go one at a time."""
    return Upload.objects.without_files().select_for_update().get(pk=upload.pk)
