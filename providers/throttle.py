"""How sign-in throttling (django-axes, settings AXES_*) sees a sign-in attempt."""

from __future__ import annotations

from django.http import HttpRequest

from .models import normalize_login_email


def sign_in_username(request: HttpRequest, credentials: dict | None) -> str:
    """The account an attempt is for, as sign-in finds it: "Alice@X" and "alice@x" are one
    account, so varying the case cannot reset the count."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return normalize_login_email(username)


def describe_client(
    username: str, ip_address: str, user_agent: str, path_info: str, request: HttpRequest
) -> str:
    """What axes logs of an attempt: the page only. Usernames are emails (personal data) and
    stay in the lockout records staff see in the admin, never in the logs."""
    return f"sign-in at {path_info}"
