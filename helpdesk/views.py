"""The CVMS Help Desk Portal's pages for providers (guide, first page and "Submit the Recipient
Bulk Upload File to the CVMS Help Desk Portal"): register, log in, file a request, follow it.

Staff work cases in the admin. Which cases a page shows is helpdesk.cases'; who reaches a page
helpdesk.access'. Names, birth dates and emails never go in a URL or a log.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET
from django_ratelimit.decorators import ratelimit

from bulkupload.emails import error_file_name
from bulkupload.engine import FileRejected
from providers.access import locations_managed_by
from providers.models import Location, User
from providers.views import LoginView as PortalLoginView
from recipients.access import get_recipient_or_404
from recipients.models import Recipient

from . import registration
from .access import SESSION_MUST_CHANGE, help_desk_user_required
from .actions import job_summary
from .cases import Attachment, cases_visible_to, check_recipient_file, get_case_or_404, open_case
from .forms import (
    CaseRequestForm,
    PeopleFormSet,
    RecipientRemovalForm,
    RegisterForm,
    RemovalIntakeForm,
)
from .models import Case, CaseEvent, Requester
from .verification import (
    location_has_managers,
    manages,
    viewer_is_trusted,
    waiting_for_verification,
)

CASES_PER_PAGE = 25
RATE_LIMITED = "Too many registration attempts from your network. Try again in an hour."


def home(request: HttpRequest) -> HttpResponse:
    """The portal's home page: what the help desk is for, and the "Vaccine Provider" option."""
    context = {}
    if request.user.is_authenticated:
        context["profile"] = Requester.objects.filter(user=request.user).first()
    return render(request, "helpdesk/home.html", context)


def _register_rate(group: str, request: HttpRequest) -> str:
    return settings.HELPDESK_REGISTER_RATE  # read per request: tests and deployments change it


@ratelimit(group="helpdesk.register", key="ip", rate=_register_rate, method="POST", block=False)
def register(request: HttpRequest) -> HttpResponse:
    """Guide, first page: "Register for an account on the portal". Whether the email has an
    account already is never told: both end on the same "check your email" page."""
    if request.method != "POST":
        return render(request, "helpdesk/register.html", {"form": RegisterForm()})
    if getattr(request, "limited", False):
        # Every POST counts, good code or bad: the codes are six guessable digits.
        context = {"form": RegisterForm(initial=request.POST.dict()), "limited": RATE_LIMITED}
        return render(request, "helpdesk/register.html", context, status=429)
    form = RegisterForm(request.POST)
    if form.is_valid():
        try:
            registration.register(
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                email=form.cleaned_data["email"],
                code=form.cleaned_data["code"],
            )
        except registration.InvalidCode as invalid:
            form.add_error("code", str(invalid))
        else:
            return redirect("helpdesk:register_done")
    return render(request, "helpdesk/register.html", {"form": form}, status=400)


@require_GET
def register_done(request: HttpRequest) -> HttpResponse:
    return render(request, "helpdesk/register_done.html")


class LoginView(PortalLoginView):
    """The provider portal's sign-in (email and password), landing on the help desk."""

    template_name = "helpdesk/login.html"
    next_page = reverse_lazy("helpdesk:home")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change the password: forced after signing in with the emailed temporary one
    (TemporaryPasswordMiddleware), or any time. The session stays signed in."""

    template_name = "helpdesk/password_change.html"
    success_url = reverse_lazy("helpdesk:home")

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["forced"] = bool(self.request.session.get(SESSION_MUST_CHANGE))
        return context

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)  # saves and keeps the session (its auth hash)
        Requester.objects.filter(user=self.request.user).update(must_change_password=False)
        self.request.session.pop(SESSION_MUST_CHANGE, None)
        messages.success(self.request, "Your password was changed.")
        return response


password_change = help_desk_user_required(PasswordChangeView.as_view())


@help_desk_user_required
def vaccine_provider(request: HttpRequest) -> HttpResponse:
    return render(request, "helpdesk/vaccine_provider.html")


def _home_location(user: User) -> Location | None:
    """The location a new request is about unless the requester says otherwise: the one they
    registered with, else the first they manage."""
    profile = Requester.objects.filter(user=user).select_related("location__organization").first()
    if profile is not None and profile.location is not None:
        return profile.location
    return locations_managed_by(user).order_by("name", "pk").first()


def _prefill(user: User, location: Location | None = None) -> dict[str, str]:
    initial = {"contact_name": user.get_full_name(), "contact_email": user.email}
    location = location or _home_location(user)
    if location is not None:
        initial.update(
            vfc_pin=location.pin,
            organization_name=location.organization.name,
            location_name=location.name,
        )
    return initial


def _submitted(request: HttpRequest, case: Case) -> HttpResponse:
    messages.success(
        request,
        f"Your request was submitted. Your case number is {case.number}. "
        "You will receive a confirmation email.",
    )
    return redirect("helpdesk:case", case.number)


@help_desk_user_required
def bulk_request(request: HttpRequest) -> HttpResponse:
    """HCP ONBOARDING & RECIPIENT BULK UPLOAD: the request type decides what else it needs,
    the people to onboard or the RECIPIENT BULK UPLOAD FILE (checked at once, as the Bulk
    Registration tab checks it: a file that cannot be used is refused before anything is
    kept; failed rows are counted and do not stop the request)."""
    if request.method != "POST":
        initial = _prefill(request.user)
        if request.GET.get("type") in {Case.Kind.BULK_UPLOAD, Case.Kind.HCP_ONBOARDING}:
            initial["kind"] = request.GET["type"]
        form, people = CaseRequestForm(initial=initial), PeopleFormSet(prefix="people")
        return render(request, "helpdesk/request_form.html", {"form": form, "people": people})

    files = request.FILES  # reading the body first: the upload handler marks a file too large
    form = CaseRequestForm(
        request.POST, files, too_large=getattr(request, "upload_too_large", False)
    )
    onboarding = request.POST.get("kind") == Case.Kind.HCP_ONBOARDING
    # The people rows count for an onboarding only (typed ones are kept for it alone).
    people = PeopleFormSet(request.POST if onboarding else None, prefix="people")
    valid = form.is_valid() and (not onboarding or people.is_valid())
    attachment: Attachment | None = None
    if valid and form.cleaned_data["kind"] == Case.Kind.BULK_UPLOAD:
        upload = form.upload
        try:
            attachment = check_recipient_file(upload.read(), upload.name)
        except FileRejected as rejection:
            form.add_error("file", rejection.message)
            valid = False
    if not valid:
        context = {"form": form, "people": people}
        return render(request, "helpdesk/request_form.html", context, status=400)

    case = form.save(commit=False)
    case.requester, case.location = request.user, form.location
    if onboarding:
        case.people = people.people()
    open_case(case, attachment=attachment)
    if attachment is not None and attachment.failed_rows:
        messages.warning(
            request,
            f"{attachment.failed_rows:,} of {attachment.rows:,} rows in {attachment.file_name} "
            "have errors: they are listed on this page. The help desk will create the others; "
            "you may also correct the file and send a new request.",
        )
    return _submitted(request, case)


def _removal_case(request: HttpRequest, form, location: Location) -> Case:
    case = form.save(commit=False)
    case.kind, case.requester, case.location = Case.Kind.REMOVAL, request.user, location
    return case


@help_desk_user_required
def removal(request: HttpRequest) -> HttpResponse:
    """The intake form to remove a recipient the requester cannot pick from the provider
    portal: whom they mean, in their own words, at which location."""
    manages = locations_managed_by(request.user).exists()
    if request.method != "POST":
        form = RemovalIntakeForm(initial=_prefill(request.user))
        return render(request, "helpdesk/removal_form.html", {"form": form, "manages": manages})
    form = RemovalIntakeForm(request.POST)
    if not form.is_valid():
        context = {"form": form, "manages": manages}
        return render(request, "helpdesk/removal_form.html", context, status=400)
    return _submitted(request, open_case(_removal_case(request, form, form.location)))


@help_desk_user_required
def request_removal(request: HttpRequest, recipient_id: int) -> HttpResponse:
    """Remove a recipient the manager picked on their Recipients tab: who is fixed (their
    own location's recipient, 404 otherwise), the form asks only why."""
    recipient: Recipient = get_recipient_or_404(request.user, recipient_id)
    form = RecipientRemovalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case = _removal_case(request, form, recipient.location)
        case.recipient = recipient
        case.vfc_pin = recipient.location.pin
        case.organization_name = recipient.location.organization.name
        case.location_name = recipient.location.name
        case.contact_name, case.contact_email = request.user.get_full_name(), request.user.email
        case.description = f"Remove recipient #{recipient.pk} of {recipient.location.pin}."
        return _submitted(request, open_case(case))
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "recipient": recipient}
    return render(request, "helpdesk/request_removal.html", context, status=status)


@require_GET
@help_desk_user_required
def my_cases(request: HttpRequest) -> HttpResponse:
    cases = cases_visible_to(request.user).only(
        "number", "kind", "status", "created_at", "updated_at"
    )
    page = Paginator(cases, CASES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "helpdesk/my_cases.html", {"cases": page, "page_obj": page})


@require_GET
@help_desk_user_required
def case(request: HttpRequest, number: str) -> HttpResponse:
    """A case's summary (the confirmation email links here): what was asked, the attached
    file's name and check (never the file: staff download it in the admin), the timeline and
    the job's result."""
    found = get_case_or_404(request.user, number)
    events = (
        found.events.filter(internal=False).select_related("actor").order_by("created_at", "pk")
    )
    attachment = getattr(found, "attachment", None)
    upload = found.upload
    trusted = viewer_is_trusted(request.user, found.location)
    context = {
        "case": found,
        "timeline": [_timeline_entry(event) for event in events],
        "attachment": attachment,
        "upload": upload,
        "job_summary": job_summary(upload) if upload is not None else "",
        "has_error_file": trusted and _error_file(found) is not None,
        "failed_records_withheld": not trusted and _error_file(found) is not None,
        "waiting_for_verification": waiting_for_verification(found),
        "location_has_managers": location_has_managers(found.location),
        # Only a manager of the location has a Bulk Registration tab to upload corrections on.
        "can_upload": manages(request.user, found.location),
    }
    return render(request, "helpdesk/case.html", context)


HELP_DESK = "CVMS Help Desk"
STATUS_LABELS = dict(Case.Status.choices)


def _timeline_entry(event: CaseEvent) -> dict:
    """One line of the timeline as the requester sees it: staff are the help desk."""
    actor = event.actor
    name = HELP_DESK if actor is None or actor.is_staff else actor.get_full_name()
    return {
        "event": event,
        "actor": name,
        "old_status": STATUS_LABELS.get(event.old_status, event.old_status),
        "new_status": STATUS_LABELS.get(event.new_status, event.new_status),
    }


def _error_file(case: Case) -> bytes | None:
    upload = case.upload
    if upload is None or not upload.has_error_file or not upload.error_file:
        return None  # no job, nothing failed, or deleted after the retention period
    return bytes(upload.error_file)


@require_GET
@help_desk_user_required
def case_error_file(request: HttpRequest, number: str) -> HttpResponse:
    """The failed records of the case's processed file, as the Reports tab serves them; to
    people trusted with the case's location only (404 for anyone else)."""
    found = get_case_or_404(request.user, number)
    # Its "Duplicated <email>" rows say who is loaded: for people trusted with the location.
    content = _error_file(found) if viewer_is_trusted(request.user, found.location) else None
    if content is None:
        raise Http404("This case has no failed records.")
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        True, error_file_name(found.upload)
    )
    return response
