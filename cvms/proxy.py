"""The client's address behind the TLS-terminating proxy the production set-up expects.

The proxy appends the address it saw to X-Forwarded-For, so the last entry is the one to
trust (earlier entries are whatever the client sent). Without the header, REMOTE_ADDR.
django-ratelimit counts registration attempts by this (settings.RATELIMIT_IP_META_KEY).
"""

from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    last = forwarded.rsplit(",", 1)[-1].strip()
    return last or request.META.get("REMOTE_ADDR", "")
