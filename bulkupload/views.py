import datetime as dt
import re
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timeuntil
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.core import get_usage

from providers.access import manager_required
from recipients.access import get_recipient_or_404
from recipients.listing import PAGE_SIZE as RECIPIENTS_PER_PAGE
from recipients.listing import loaded_recipients
from recipients.models import Recipient

from . import highvolume, lowvolume, selfservice
from .access import get_upload_or_404, uploads_visible_to
from .emails import error_file_name
from .engine import FileRejected, TooManyRows, template
from .forms import EmailCorrectionForm, RecipientFileForm
from .models import Upload

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _bulk_registration_context(request: HttpRequest, subpage: str) -> dict:
    # Below the upload panels: the location's Loaded Recipients (guide, "View Uploaded
    # Recipient Records"), searched, sorted and paged through the URL.
    return {
        "page": "bulk",
        "subpage": subpage,
        "listing": loaded_recipients(request.location, request.GET),
        "list_url": request.path,
    }


@manager_required
def low_volume(request: HttpRequest) -> HttpResponse:
    context = _bulk_registration_context(request, "low_volume")
    context["form"] = RecipientFileForm()
    result_id = request.GET.get("result", "")
    if result_id.isdigit():
        # The alert after Create Records: the counts of the manager's own upload.
        context["result"] = (
            uploads_visible_to(request.user)
            .for_location(request.location)
            .submitted()
            .without_files()
            .filter(pk=result_id, source=Upload.Source.LOW_VOLUME)
            .first()
        )
    return render(request, "bulkupload/low_volume.html", context)


def _take_file(
    request: HttpRequest, subpage: str, start: Callable[..., Upload]
) -> tuple[Upload | None, HttpResponse | None]:
    """Check the uploaded file and hand it to `start` (Low Volume review, High Volume job).
    On a refusal (no file, too large, not a recipient file) the tab is shown again with why,
    and nothing is kept."""
    files = request.FILES  # reading the body first: the upload handler marks a file too large
    form = RecipientFileForm(
        request.POST, files, too_large=getattr(request, "upload_too_large", False)
    )
    problem = None
    if form.is_valid():
        file = form.cleaned_data["file"]
        try:
            upload = start(file.read(), file.name, location=request.location, user=request.user)
        except FileRejected as rejection:
            problem = rejection
        else:
            return upload, None
    context = _bulk_registration_context(request, subpage)
    context.update(form=form, problem=problem, too_many=isinstance(problem, TooManyRows))
    return None, render(request, f"bulkupload/{subpage}.html", context, status=400)


@require_POST
@manager_required
def low_volume_upload(request: HttpRequest) -> HttpResponse:
    upload, refusal = _take_file(request, "low_volume", lowvolume.start_preview)
    if upload is None:
        return refusal
    return redirect("bulkupload:low_volume_review", upload.pk)


@require_GET
@manager_required
def low_volume_review(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = lowvolume.get_preview_or_404(request.user, request.location, upload_id)
    preview = lowvolume.review(upload)
    context = {
        "page": "bulk",
        "subpage": "low_volume",
        "upload": upload,
        "preview": preview,
        "earlier": lowvolume.earlier_upload_of_same_file(upload),
    }
    return render(request, "bulkupload/low_volume_review.html", context)


_CORRECTION = re.compile(r"^line-(\d{1,6})-(first_name|last_name|date_of_birth|email)$")


def _corrections(request: HttpRequest) -> lowvolume.Corrections:
    """The cells typed into the review's editable rows (line-<N>-<field>)."""
    corrections: lowvolume.Corrections = {}
    for key, value in request.POST.items():
        if match := _CORRECTION.match(key):
            corrections.setdefault(int(match[1]), {})[match[2]] = value
    return corrections


@require_POST
@manager_required
def low_volume_recheck(request: HttpRequest, upload_id: int) -> HttpResponse:
    """Corrections typed into the review's rows: apply them and show the review again.
    "Use the suggestion" (?use-suggestion=<line>) also puts in that line's suggested address."""
    upload = lowvolume.get_preview_or_404(request.user, request.location, upload_id)
    line = request.GET.get("use-suggestion", "")
    suggestion = int(line) if line.isdigit() else None
    try:
        lowvolume.correct_preview(upload, _corrections(request), use_suggestion=suggestion)
    except FileRejected as rejection:
        messages.error(request, f"The corrections were not applied: {rejection.message}")
    else:
        done = "Your corrections were applied"
        if suggestion is not None:
            done = f"The suggested address was used on line {suggestion}"
        messages.success(request, f"{done}, and every row was checked again.")
    return redirect("bulkupload:low_volume_review", upload.pk)


@require_POST
@manager_required
def low_volume_create(request: HttpRequest, upload_id: int) -> HttpResponse:
    """CREATE RECORDS. Corrections typed and not re-checked are checked first: if they change
    which rows will be created, the review is shown again instead, so nobody is created (or
    left out) without the manager seeing it."""
    try:
        changed = lowvolume.recheck_before_creating(
            request.user, request.location, upload_id, _corrections(request)
        )
    except FileRejected as rejection:
        messages.error(
            request, f"Nothing was created. The corrections were not applied: {rejection.message}"
        )
        return redirect("bulkupload:low_volume_review", upload_id)
    if changed:
        messages.warning(
            request,
            f"Nothing was created yet. Your corrections were checked, and they change which "
            f"rows will be created ({changed} row{'s' if changed != 1 else ''}). Review the "
            "rows below, then press CREATE RECORDS again.",
        )
        return redirect("bulkupload:low_volume_review", upload_id)
    upload = lowvolume.create_records(request.user, request.location, upload_id)
    return redirect(reverse("bulkupload:low_volume") + f"?result={upload.pk}")


@require_POST
@manager_required
def low_volume_cancel(request: HttpRequest, upload_id: int) -> HttpResponse:
    lowvolume.cancel_preview(request.user, request.location, upload_id)
    messages.info(request, "The file was removed. No records were created.")
    return redirect("bulkupload:low_volume")


def _job_for(request: HttpRequest, upload_id: str | int) -> Upload | None:
    """A High Volume job of the manager's current location, for the progress panel."""
    if not str(upload_id).isdigit():
        return None
    return (
        uploads_visible_to(request.user)
        .for_location(request.location)
        .without_files()
        .filter(source=Upload.Source.HIGH_VOLUME, pk=upload_id)
        .first()
    )


@manager_required
def high_volume(request: HttpRequest) -> HttpResponse:
    context = _bulk_registration_context(request, "high_volume")
    context["form"] = RecipientFileForm()
    upload_id = request.GET.get("upload")
    if upload_id is None:
        job = highvolume.remembered_job(request.user, request.location)
    else:
        job = _job_for(request, upload_id)
    if job is not None:
        context["job"] = highvolume.job_status(job)
        context["dismissable"] = job.uploaded_by_id == request.user.pk
    return render(request, "bulkupload/high_volume.html", context)


@require_POST
@manager_required
def high_volume_done(request: HttpRequest, upload_id: int) -> HttpResponse:
    """DONE on a finished job: the tab shows its banner this once, then forgets it."""
    upload = highvolume.dismiss_job(request.user, request.location, upload_id)
    return redirect(reverse("bulkupload:high_volume") + f"?upload={upload.pk}")


@require_GET
@manager_required
def high_volume_recipients(request: HttpRequest) -> HttpResponse:
    """The tab's Loaded Recipients table alone, as the page's query string asks, for the
    script to swap in when a job ends."""
    context = _bulk_registration_context(request, "high_volume")
    context["list_url"] = reverse("bulkupload:high_volume")
    return render(request, "recipients/_loaded_table.html", context)


@require_POST
@manager_required
def high_volume_upload(request: HttpRequest) -> HttpResponse:
    upload, refusal = _take_file(request, "high_volume", highvolume.start_job)
    if upload is None:
        return refusal
    return redirect(reverse("bulkupload:high_volume") + f"?upload={upload.pk}")


@require_GET
@manager_required
def high_volume_status(request: HttpRequest, upload_id: int) -> JsonResponse:
    """The progress panel's figures, polled while the job runs."""
    job = _job_for(request, upload_id)
    if job is None:
        raise Http404("No such upload.")
    return JsonResponse(highvolume.job_status(job))


def _template_response(data: bytes, content_type: str, extension: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="recipient-bulk-upload-template.{extension}"'
    )
    return response


@require_GET
@manager_required
def template_xlsx(request: HttpRequest) -> HttpResponse:
    """The Recipient Bulk Upload Template as a workbook: the columns, an example row that is
    never imported, and a sheet of instructions."""
    data = template.template_xlsx(
        low_volume_rows=Upload.max_rows_for(Upload.Source.LOW_VOLUME),
        high_volume_rows=Upload.max_rows_for(Upload.Source.HIGH_VOLUME),
    )
    return _template_response(data, XLSX_CONTENT_TYPE, "xlsx")


@require_GET
@manager_required
def template_csv(request: HttpRequest) -> HttpResponse:
    """The Recipient Bulk Upload Template as CSV: the columns and the example row."""
    return _template_response(template.template_csv(), "text/csv; charset=utf-8", "csv")


@manager_required
def reports(request: HttpRequest) -> HttpResponse:
    uploads = (
        Upload.objects.for_location(request.location)
        .submitted()
        .without_files()
        .select_related("uploaded_by")
    )
    page = Paginator(uploads, 25).get_page(request.GET.get("page"))
    return render(request, "bulkupload/reports.html", {"page": "reports", "uploads": page})


@require_GET
@manager_required
def error_file(request: HttpRequest, upload_id: int) -> HttpResponse:
    """The failed records of an upload, as the email attaches them."""
    upload = get_upload_or_404(request.user, upload_id)
    if not upload.has_error_file:  # none failed, or deleted after the retention period
        raise Http404("This upload has no failed records.")
    response = HttpResponse(bytes(upload.error_file), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{error_file_name(upload)}"'
    return response


@manager_required
def upload_detail(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = get_upload_or_404(request.user, upload_id)
    created = Recipient.objects.of_upload(upload.pk)
    # Only the active ones, as on every list; those the help desk removed since are counted.
    recipients = Paginator(created.active(), RECIPIENTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": "reports",
        "upload": upload,
        "retention_days": settings.UPLOAD_RETENTION_DAYS,
        "recipients": recipients,
        "removed": created.exclude(removed_at=None).count(),
    }
    return render(request, "bulkupload/upload_detail.html", context)


# A recipient's page: what a manager fixes there (bulkupload.selfservice) ------------------------


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
        "bulkupload.welcome_again.recipient",
        _by_recipient,
        _resend_rate,
        "This recipient's welcome email was sent again as often as is allowed for now.",
    ),
    (
        "bulkupload.welcome_again.manager",
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
    """The recipient's page (the recipients app's), shown again with what went wrong."""
    context = {"page": "recipients", "recipient": recipient, **context}
    context.setdefault("email_form", EmailCorrectionForm())
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
