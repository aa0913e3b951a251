"""How long uploaded files are kept: their contents and failed records are personal data,
deleted UPLOAD_RETENTION_DAYS after the upload ended. The upload's row stays with its counts
and results (it is where its recipients came from); the Reports tab says the files expired.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db.models import QuerySet
from django.utils import timezone

from .models import Upload, UploadEmailChange

logger = logging.getLogger(__name__)


def delete_expired_files(now: dt.datetime | None = None) -> int:
    """Empty the files of uploads past their retention; returns how many uploads."""
    now = now or timezone.now()
    deleted = delete_files(Upload.objects.files_past_retention(now), now)
    if deleted:
        logger.info("Deleted the files of %s uploads past their retention", deleted)
    return deleted


def delete_files(uploads: QuerySet[Upload], now: dt.datetime) -> int:
    """Empty these uploads' file and failed records, saying when (the Reports tab shows it).
    The email changes the file proposed go too: they hold its addresses."""
    UploadEmailChange.objects.filter(upload__in=uploads).delete()
    return uploads.update(content=b"", error_file=None, files_deleted_at=now)
