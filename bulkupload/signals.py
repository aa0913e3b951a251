"""What bulk upload tells the apps built on it, which it does not import.

`upload_finished(sender=Upload, upload=...)`: a job ended (done, rejected or failed), sent by
the worker that ended it, after the upload's row says so. The help desk listens, to put a
case's result on its timeline and tell its requester.
"""

from django.dispatch import Signal

upload_finished = Signal()
