"""Upload handling that never keeps more of a file than the portal accepts."""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile


class SizeLimitedUploadHandler(FileUploadHandler):
    """Drops an uploaded file as soon as it passes UPLOAD_MAX_BYTES.

    Django would otherwise spool any size to a temporary file before a view could refuse it.
    The rest of the form (its CSRF token included) is still read, and the request is marked,
    so the view can say "too large" instead of "no file".
    """

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_BYTES:
            self.request.upload_too_large = True
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler (memory or temporary file) builds the file
