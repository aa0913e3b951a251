"""The help desk's account emails, registered with the outbox (HelpdeskConfig.ready). Both
carry a secret, so both are made when sent and never stored: a help-desk registration's
temporary password, and a new manager's link to set a password."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from outbox.composers import register
from outbox.models import OutboundEmail
from providers.accounts import issue_temporary_password, password_setup_url
from providers.models import User


def temporary_password_message(user: User) -> EmailMessage:
    """The help desk's registration email: the username and a temporary password (guide, first
    page), made now so that no password ever sits in the outbox. An account that has signed in
    since keeps its own password and is told how to sign in instead."""
    context = {
        "user": user,
        "login_url": settings.SITE_URL + reverse("helpdesk:login"),
        "reset_url": settings.SITE_URL + reverse("providers:password_reset"),
        "password": issue_temporary_password(user) if user.last_login is None else "",
    }
    return EmailMessage(
        subject="Your CVMS Help Desk Portal account",
        body=render_to_string("emails/helpdesk_account.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )


def account_setup_message(user: User) -> EmailMessage:
    """A new Healthcare Location Manager's link to set their password (help-desk onboarding)."""
    context = {
        "user": user,
        "setup_url": password_setup_url(user),
        "login_url": settings.SITE_URL + reverse("providers:login"),
        "locations": [role.location for role in user.location_roles.select_related("location")],
    }
    return EmailMessage(
        subject="Your CVMS Provider Portal account",
        body=render_to_string("emails/account_setup.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )


def _temporary_password(email: OutboundEmail) -> EmailMessage:
    return temporary_password_message(email.user)


def _account_setup(email: OutboundEmail) -> EmailMessage:
    return account_setup_message(email.user)


register(OutboundEmail.Kind.TEMPORARY_PASSWORD, _temporary_password)
register(OutboundEmail.Kind.ACCOUNT_SETUP, _account_setup)
