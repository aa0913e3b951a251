"""What the error report Django emails to ADMINS holds (on every server error, DEBUG off).

Django's report, less what would put personal data or secrets in an inbox:

- the values of every form field and query parameter: forms carry names, dates of birth and
  emails, and "Search this list" puts names in the query string (so the URL is shown without
  it, and the Referer too is hidden);
- the signed-in user's email: the report names them by id;
- passwords inside URL-shaped settings (DATABASE_URL, EMAIL_URL, REDIS_URL and the broker and
  cache made from them), which Django's filter does not know by name.

The exception's message and the traceback's lines stay, as they are in the logs: they are
what makes a report worth reading. With DEBUG on (a developer's own error page) only the
secrets are hidden, as Django does.
"""

from __future__ import annotations

import re

from django.http import HttpRequest
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

_PASSWORD_IN_URL = re.compile(r"://[^/@\s]*:[^/@\s]+@")
# Where the query string shows up again in a request's META.
_QUERY_IN_META = ("QUERY_STRING", "HTTP_REFERER", "RAW_URI", "REQUEST_URI")


class ReportFilter(SafeExceptionReporterFilter):
    def cleanse_setting(self, key, value):
        if isinstance(value, str) and _PASSWORD_IN_URL.search(str(value)):
            return self.cleansed_substitute
        return super().cleanse_setting(key, value)

    def get_post_parameters(self, request: HttpRequest | None):
        if request is None or not self.is_active(request):
            return super().get_post_parameters(request)
        return {name: self.cleansed_substitute for name in request.POST}

    def get_safe_request_meta(self, request: HttpRequest) -> dict:
        meta = super().get_safe_request_meta(request)
        if self.is_active(request):
            for key in _QUERY_IN_META:
                if key in meta:
                    meta[key] = self.cleansed_substitute
        return meta


class Reporter(ExceptionReporter):
    def get_traceback_data(self) -> dict:
        data = super().get_traceback_data()
        request = self.request
        if request is None or not self.filter.is_active(request):
            return data
        hidden = self.filter.cleansed_substitute
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            data["user_str"] = f"user id {user.pk}"
        data["request_GET_items"] = [(name, hidden) for name in request.GET]
        data["request_FILES_items"] = [(name, hidden) for name in request.FILES]
        data["request_insecure_uri"] = request.path
        return data
