import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timeuntil
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.core import get_usage

from outbox.delivery import UNDELIVERED, plain_reason
from outbox.models import OutboundEmail
from providers.access import manager_required

from . import selfservice
from .access import get_recipient_or_404
from .forms import EmailCorrectionForm
from .listing import loaded_recipients
from .models import Recipient
from .receivers import WELCOME_KINDS


@require_GET
@manager_required
def recipient_list(request: HttpRequest) -> HttpResponse:
    listing = loaded_recipients(request.location, request.GET)
    return render(
        request,
        "recipients/list.html",
        {
            "page": "recipients",
            "listing": listing,
            "list_url": reverse("recipients:list"),
            "detailed": True,
        },
    )


@require_GET
@manager_required
def recipient_detail(request: HttpRequest, recipient_id: int) -> HttpResponse:
    recipient = get_recipient_or_404(request.user, recipient_id)
    context = {
        "page": "recipients",
        "recipient": recipient,
        "email_form": EmailCorrectionForm(),
        "welcome_emails": _welcome_emails(recipient),
    }
    return render(request, "recipients/detail.html", context)


def _welcome_emails(recipient: Recipient) -> list[dict]:
    """The welcome emails sent to this recipient, newest first, each with its history and,
    when it did not arrive, why in plain words."""
    if recipient.account_id is None:
        return []
    emails = (
        OutboundEmail.objects.filter(user_id=recipient.account_id, kind__in=WELCOME_KINDS)
        .defer("body")
        .prefetch_related("events")
        .order_by("-id")
    )
    return [
        {
            "email": email,
            "problem": plain_reason(email.status, email.reason)
            if email.status in UNDELIVERED
            else "",
        }
        for email in emails
    ]


# What a manager fixes on a recipient's page (selfservice) -----------------------------------------


def _resend_rate(group: str, request: HttpRequest) -> str:
    return settings.WELCOME_RESEND_RATE  # read per request: tests and deployments change it


def _resend_manager_rate(group: str, request: HttpRequest) -> str:
    return settings.WELCOME_RESEND_MANAGER_RATE


def _by_recipient(group: str, request: HttpRequest) -> str:
    return str(request.resolver_match.kwargs["recipient_id"])


def _by_manager(group: str, request: HttpRequest) -> str:
    return str(request.user.pk)


# Welcome emails sent again, counted per recipient and per manager: (group, key, rate, what the
# manager is told once it is reached).
_WELCOME_LIMITS = (
    (
        "recipients.welcome_again.recipient",
        _by_recipient,
        _resend_rate,
        "This recipient's welcome email was sent again as often as is allowed for now.",
    ),
    (
        "recipients.welcome_again.manager",
        _by_manager,
        _resend_manager_rate,
        "You have sent welcome emails again as often as is allowed for now.",
    ),
)


def _welcome_limit_reached(request: HttpRequest) -> str | None:
    """Why this recipient's welcome email cannot go again now, and when it can; None if it can.

    Checked first and counted only once an email is queued (`_count_welcome`), so a double
    click, which queues nothing more, costs nothing.
    """
    for group, key, rate, reached in _WELCOME_LIMITS:
        usage = get_usage(request, group=group, key=key, rate=rate)
        if usage is not None and usage["count"] >= usage["limit"]:
            wait = dt.timedelta(seconds=max(usage["time_left"], 60))
            return f"{reached} Try again in {timeuntil(timezone.now() + wait)}."
    return None


def _count_welcome(request: HttpRequest) -> None:
    for group, key, rate, _ in _WELCOME_LIMITS:
        get_usage(request, group=group, key=key, rate=rate, increment=True)


def _recipient_page(
    request: HttpRequest, recipient: Recipient, *, status: int, **context
) -> HttpResponse:
    """The recipient's page, shown again with what went wrong."""
    context = {"page": "recipients", "recipient": recipient, **context}
    context.setdefault("email_form", EmailCorrectionForm())
    context["welcome_emails"] = _welcome_emails(recipient)
    return render(request, "recipients/detail.html", context, status=status)


@require_POST
@manager_required
def resend_welcome(request: HttpRequest, recipient_id: int) -> HttpResponse:
    recipient = get_recipient_or_404(request.user, recipient_id)
    if (reached := _welcome_limit_reached(request)) is not None:
        return _recipient_page(request, recipient, status=429, welcome_problem=reached)
    try:
        queued = selfservice.resend_welcome(recipient, by=request.user)
    except selfservice.SelfServiceRefused as refusal:
        return _recipient_page(request, recipient, status=409, welcome_problem=str(refusal))
    if queued:
        _count_welcome(request)
        messages.success(
            request,
            f"A new welcome email is on its way to {recipient.email}. "
            "The link in any earlier one no longer works.",
        )
    else:
        messages.info(
            request,
            "A welcome email to this recipient is already waiting to be sent. "
            "It will have a fresh link.",
        )
    return redirect("recipients:detail", recipient.pk)


@require_POST
@manager_required
def correct_email(request: HttpRequest, recipient_id: int) -> HttpResponse:
    """The corrected address is checked like a file's; a likely typo is shown for the manager
    to confirm (or to take the suggestion) before anything changes."""
    recipient = get_recipient_or_404(request.user, recipient_id)
    form = EmailCorrectionForm(request.POST, current=recipient.email)
    if not form.is_valid():
        return _recipient_page(request, recipient, status=400, email_form=form)
    if form.typo_warning:
        return _recipient_page(request, recipient, status=200, email_form=form)
    if (reached := _welcome_limit_reached(request)) is not None:
        form.add_error("email", reached)
        return _recipient_page(request, recipient, status=429, email_form=form)
    try:
        queued = selfservice.correct_email(recipient, form.cleaned_data["email"], by=request.user)
    except selfservice.SelfServiceRefused as refusal:
        form.add_error("email", str(refusal))
        return _recipient_page(request, recipient, status=409, email_form=form)
    if queued:
        _count_welcome(request)
    done = f"The email address is now {recipient.email}."
    if recipient.account is not None:
        done += (
            f" The portal username is {recipient.account.username}. The welcome email is on its "
            "way to the new address; the link in any earlier one no longer works."
        )
    messages.success(request, done)
    return redirect("recipients:detail", recipient.pk)
