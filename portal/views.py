"""The COVID-19 Vaccine Portal's pages for recipients (guide, "Next Actions for Uploaded
Recipients"): create a password from the welcome email, sign in, forgot password, the home
page (vaccine group, vaccine record) and the COVID-19 Vaccination Registration form, one step
per page, then "Check your answers" and Submit.

Every page after sign-in is the signed-in recipient's (portal.access.recipient_required): no
URL names a recipient. Usernames, names and birth dates never go in a URL or a log. The flow is
carried by links and forms, so every page works without JavaScript.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_safe
from django_ratelimit.decorators import ratelimit

from helpdesk import questions
from recipients.tokens import password_setup_token

from . import accounts, healthcards, registrations
from .access import recipient_of, recipient_required
from .dates import long_date
from .forms import (
    STEP_FORMS,
    STEP_SLUGS,
    STEPS,
    ForgotPasswordForm,
    QuestionForm,
    RecipientLoginForm,
    displayed_answers,
)
from .models import Dose, Registration

LOGIN_LIMITED = _(
    "Too many sign-in attempts. Wait a few minutes, then try again, or use “Forgot password”."
)
RESET_LIMITED = _("Too many password reset requests. Wait an hour, then try again.")
QUESTION_LIMITED = _("Too many questions were sent. Wait an hour, then try again.")
PAUSED = _("Your answers are saved. Continue any time.")


def _login_rate(group: str, request: HttpRequest) -> str:
    return settings.RECIPIENT_LOGIN_RATE  # read per request: tests and deployments change it


def _reset_rate(group: str, request: HttpRequest) -> str:
    return settings.RECIPIENT_PASSWORD_RESET_RATE


def _question_rate(group: str, request: HttpRequest) -> str:
    return settings.RECIPIENT_QUESTION_RATE


def _question_address(group: str, request: HttpRequest) -> str:
    # Where the answer would go: the signed-in recipient's account, else what was typed.
    if recipient_of(request.user) is not None:
        return request.user.username
    return request.POST.get("contact", "").strip().lower()


def _posted_username(group: str, request: HttpRequest) -> str:
    # Counted as stored, so changing the case does not buy more attempts.
    return request.POST.get("username", "").strip().lower()


def _recipient_user(user):
    """The account, if it belongs to an active recipient (a link's account)."""
    return user if user is not None and recipient_of(user) is not None else None


# Signing in -------------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    form_class = RecipientLoginForm
    template_name = "portal/login.html"
    next_page = reverse_lazy("portal:home")

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "GET" and recipient_of(request.user) is not None:
            return redirect("portal:home")
        return super().dispatch(request, *args, **kwargs)

    def get_redirect_url(self) -> str:
        # After sign-in, only back into the recipient portal.
        url = super().get_redirect_url()
        return url if url.startswith(reverse("portal:home")) else ""


@ratelimit(group="portal.login.ip", key="ip", rate=_login_rate, method="POST", block=False)
@ratelimit(
    group="portal.login.username",
    key=_posted_username,
    rate=_login_rate,
    method="POST",
    block=False,
)
def login(request: HttpRequest) -> HttpResponse:
    """Every POST counts, per address and per username, right password or wrong."""
    if request.method == "POST" and getattr(request, "limited", False):
        form = RecipientLoginForm(request, initial={"username": _posted_username("", request)})
        context = {"form": form, "limited": LOGIN_LIMITED}
        return render(request, "portal/login.html", context, status=429)
    return LoginView.as_view()(request)


logout = auth_views.LogoutView.as_view(next_page="portal:login")


# The welcome email's link, and forgot password ------------------------------------------------


class RecipientPasswordView(auth_views.PasswordResetConfirmView):
    """Set a password from an emailed link. GET shows the form and changes nothing (mail
    scanners open links); POST sets it and signs the recipient in (a new session)."""

    success_url = reverse_lazy("portal:home")
    post_reset_login = True
    # Named because sign-in throttling (django-axes) adds a backend; the password was just
    # set from a single-use link, so the account's ordinary backend signs it in.
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"

    def get_user(self, uidb64: str):
        # A removed recipient's account is deactivated: its links no longer work; and these
        # pages are for recipients' accounts only.
        return _recipient_user(super().get_user(uidb64))

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Your password is set. You are logged in."))
        return response


class PasswordSetupView(RecipientPasswordView):
    """The welcome email's "create your password" link (long-lived, single use)."""

    token_generator = password_setup_token
    template_name = "portal/password_setup.html"
    reset_url_token = "set-password"  # noqa: S105 (a URL segment, not a secret)

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        if not self.validlink and self.user is not None:
            token = self.kwargs.get("token")
            if token == self.reset_url_token:
                token = self.request.session.get(INTERNAL_RESET_SESSION_TOKEN)
            # Expired but genuine: the username goes in the "send a new link" form. A used,
            # tampered or forged link says nothing of the account (uids are guessable).
            if password_setup_token.made_at(self.user, token) is not None:
                context["username"] = self.user.username
        return context


class PasswordResetConfirmView(RecipientPasswordView):
    """The "Forgot password" email's link (Django's token, PASSWORD_RESET_TIMEOUT)."""

    template_name = "portal/password_reset_confirm.html"
    reset_url_token = "new-password"  # noqa: S105 (a URL segment, not a secret)


@ratelimit(group="portal.reset.ip", key="ip", rate=_reset_rate, method="POST", block=False)
@ratelimit(
    group="portal.reset.username",
    key=_posted_username,
    rate=_reset_rate,
    method="POST",
    block=False,
)
def password_reset(request: HttpRequest) -> HttpResponse:
    """Forgot password, by username (emails are shared in families). The answer is the same
    page whether the account exists or not."""
    if request.method != "POST":
        return render(request, "portal/password_reset.html", {"form": ForgotPasswordForm()})
    if getattr(request, "limited", False):
        form = ForgotPasswordForm(initial={"username": _posted_username("", request)})
        context = {"form": form, "limited": RESET_LIMITED}
        return render(request, "portal/password_reset.html", context, status=429)
    form = ForgotPasswordForm(request.POST)
    if not form.is_valid():
        return render(request, "portal/password_reset.html", {"form": form}, status=400)
    accounts.request_password_reset(form.cleaned_data["username"])
    return redirect("portal:password_reset_done")


@require_GET
def password_reset_done(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/password_reset_done.html")


# "Submit your question to the help desk" ------------------------------------------------------


@ratelimit(group="portal.question.ip", key="ip", rate=_question_rate, method="POST", block=False)
@ratelimit(
    group="portal.question.address",
    key=_question_address,
    rate=_question_rate,
    method="POST",
    block=False,
)
@require_http_methods(["GET", "POST"])
def question(request: HttpRequest) -> HttpResponse:
    """The contact form, signed in or not: a question opens a case in the help desk's queue,
    answered by email. The answer is the same page whatever was typed, so it never tells
    whether an account exists (helpdesk.questions says where answers go, and why)."""
    recipient = recipient_of(request.user)
    request.recipient = recipient  # the header's account links when signed in
    signed_in = recipient is not None
    context = {"signed_in": signed_in}
    if request.method != "POST":
        initial = {"name": f"{recipient.first_name} {recipient.last_name}"} if signed_in else {}
        context["form"] = QuestionForm(initial=initial, signed_in=signed_in)
        return render(request, "portal/question.html", context)
    if getattr(request, "limited", False):
        form = QuestionForm(initial=request.POST.dict(), signed_in=signed_in)
        context.update(form=form, limited=QUESTION_LIMITED)
        return render(request, "portal/question.html", context, status=429)
    form = context["form"] = QuestionForm(request.POST, signed_in=signed_in)
    if not form.is_valid():
        return render(request, "portal/question.html", context, status=400)
    questions.ask(
        name=form.cleaned_data["name"],
        contact=form.cleaned_data.get("contact", ""),
        question=form.cleaned_data["question"],
        account=request.user if signed_in else None,
    )
    return redirect("portal:question_sent")


@require_GET
def question_sent(request: HttpRequest) -> HttpResponse:
    request.recipient = recipient_of(request.user)
    return render(request, "portal/question_sent.html")


# Home and the registration form ---------------------------------------------------------------


def _registration(request: HttpRequest) -> Registration | None:
    return Registration.objects.filter(recipient=request.recipient).first()


def _doses(request: HttpRequest) -> QuerySet[Dose]:
    return request.recipient.doses.select_related("product", "location").order_by("dose_number")


@require_GET
@recipient_required
def home(request: HttpRequest) -> HttpResponse:
    registration = _registration(request)
    if registration is not None and registration.is_submitted:
        action, url = "view", reverse("portal:check_answers")
    elif registrations.has_answers(registration):
        action, url = "continue", reverse("portal:check_answers")
    else:
        action, url = "start", reverse("portal:step", args=[STEP_SLUGS[0]])
    context = {
        "registration": registration,
        "registration_action": action,
        "registration_url": url,
        "group": registrations.group_of(registration) if registration is not None else None,
        "doses": _doses(request),
    }
    return render(request, "portal/home.html", context)


@require_http_methods(["GET", "POST"])
@recipient_required
def step(request: HttpRequest, slug: str) -> HttpResponse:
    """One step of the form: Continue saves it and goes on; Pause saves what is valid and goes
    home. A submitted registration is read-only (see check_answers)."""
    if slug not in STEP_FORMS:
        raise Http404("No such step.")
    registration = _registration(request)
    if registration is not None and registration.is_submitted:
        return redirect("portal:check_answers")
    form_class = STEP_FORMS[slug]
    status = 200
    if request.method == "POST":
        pausing = "pause" in request.POST
        form = form_class(request.POST, pausing=pausing)
        valid = form.is_valid()
        if valid or pausing:
            answers = form.answers()
            if answers:
                registration = registration or registrations.registration_for(request.recipient)
                registrations.save_answers(registration, answers)
            if pausing:
                messages.success(request, PAUSED)
                if not valid:
                    messages.warning(
                        request, _("Answers on that page that were not valid were not saved.")
                    )
                return redirect("portal:home")
            following = registrations.first_unanswered_step(registration)
            if following is None:
                return redirect("portal:check_answers")
            return redirect("portal:step", slug=following)
        status = 400
    else:
        form = form_class(initial=form_class.initial_from(registration))
    index = STEP_SLUGS.index(slug)
    back = reverse("portal:step", args=[STEP_SLUGS[index - 1]]) if index else reverse("portal:home")
    context = {
        "form": form,
        "slug": slug,
        "title": STEPS[index].title,
        "number": index + 1,
        "count": len(STEPS),
        "back_url": back,
    }
    return render(request, "portal/step.html", context, status=status)


@require_http_methods(["GET", "POST"])
@recipient_required
def check_answers(request: HttpRequest) -> HttpResponse:
    """Every answer with a "Change" link to its step, and Submit (POST).

    Once submitted the answers are read-only here: the group shown to the recipient and to
    providers is the one submitted; a change after that goes through the help center.
    """
    registration = _registration(request)
    if registration is None or not (
        registration.is_submitted or registrations.has_answers(registration)
    ):
        return redirect("portal:step", slug=STEP_SLUGS[0])
    if request.method == "POST" and not registration.is_submitted:
        try:
            registrations.submit(registration)
        except registrations.NotComplete as incomplete:
            messages.error(request, _("Answer every question before you submit."))
            return redirect("portal:step", slug=incomplete.step)
        messages.success(request, _("Your COVID-19 Vaccination Registration is submitted."))
        return redirect("portal:home")
    if request.method == "POST":
        return redirect("portal:home")
    recipient = request.recipient
    loaded = [
        (_("Legal name"), f"{recipient.first_name} {recipient.last_name}"),
        (_("Date of birth"), long_date(recipient.date_of_birth)),
    ]
    sections = [
        {
            "slug": slug,
            "title": title,
            "rows": (loaded if index == 0 else [])
            + displayed_answers(STEP_FORMS[slug], registration),
        }
        for index, (slug, title, _form) in enumerate(STEPS)
    ]
    following = registrations.first_unanswered_step(registration)
    context = {
        "registration": registration,
        "sections": sections,
        "next_step": following,
        "next_title": next((step.title for step in STEPS if step.slug == following), None),
    }
    return render(request, "portal/check_answers.html", context)


# The vaccine record and its SMART Health Card ---------------------------------------------------


@require_GET
@recipient_required
def record(request: HttpRequest) -> HttpResponse:
    """The doses recorded, and the SMART Health Card of those complete (signed anew each
    time: a card is a snapshot, and any of them verifies), or why there is none yet."""
    card_record = healthcards.card_record(request.recipient)
    card = healthcards.issue(request.recipient, card_record.doses) if card_record.doses else None
    qr = healthcards.qr_code(card) if card and healthcards.fits_one_qr(card) else None
    context = {
        "doses": _doses(request),
        "card_record": card_record,
        "card": card,
        "qr_image": qr.svg_data_uri(scale=4, border=4) if qr else None,
    }
    return render(request, "portal/record.html", context)


@require_GET
@recipient_required
def health_card_file(request: HttpRequest) -> HttpResponse:
    """The card as a .smart-health-card file, for a health wallet app to import."""
    card = healthcards.health_card(request.recipient)
    if card is None:
        raise Http404("No dose can be on a card yet.")
    response = HttpResponse(healthcards.card_file(card), content_type=healthcards.CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="vaccination.smart-health-card"'
    patch_cache_control(response, no_store=True, private=True)
    return response


@require_safe
def jwks(request: HttpRequest) -> HttpResponse:
    """The issuer's public keys (<SITE_URL>/.well-known/jwks.json), which verifiers anywhere
    fetch, from their own pages too: hence CORS open to all."""
    response = JsonResponse(healthcards.published_key_set())
    response["Access-Control-Allow-Origin"] = "*"
    patch_cache_control(response, public=True, max_age=3600)
    return response
