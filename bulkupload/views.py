import re

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from outbox.delivery import plain_reason
from providers.access import manager_required
from recipients.listing import PAGE_SIZE as RECIPIENTS_PER_PAGE
from recipients.listing import loaded_recipients
from recipients.models import Recipient

from . import access, changes, highvolume, lowvolume, undo, welcome
from .emails import error_file_name
from .engine import FileRejected, TooManyRows, template
from .forms import RecipientFileForm
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
        context["result"] = access.low_volume_result(request.user, request.location, int(result_id))
        if context["result"] is not None and context["result"].change_count:
            pending = changes.pending_changes(context["result"]).count()
            context["changes_pending"] = pending
            context["changes_accepted"] = context["result"].change_count - pending
    return render(request, "bulkupload/low_volume.html", context)


def _file_form(request: HttpRequest) -> RecipientFileForm:
    files = request.FILES  # reading the body first: the upload handler marks a file too large
    return RecipientFileForm(
        request.POST, files, too_large=getattr(request, "upload_too_large", False)
    )


def _refused(
    request: HttpRequest,
    subpage: str,
    form: RecipientFileForm,
    problem: FileRejected | None = None,
    kept: Upload | None = None,
) -> HttpResponse:
    """The tab again, with why its file was refused (no file, too large, not a recipient
    file); nothing of the file is kept but `kept` (a file too large for Low Volume, kept for
    one click to High Volume)."""
    context = _bulk_registration_context(request, subpage)
    context.update(form=form, problem=problem, too_many=isinstance(problem, TooManyRows), kept=kept)
    return render(request, f"bulkupload/{subpage}.html", context, status=400)


@require_POST
@manager_required
def low_volume_upload(request: HttpRequest) -> HttpResponse:
    form = _file_form(request)
    if not form.is_valid():
        return _refused(request, "low_volume", form)
    file, where = form.cleaned_data["file"], {"location": request.location, "user": request.user}
    data = file.read()
    try:
        upload = lowvolume.start_preview(data, file.name, **where)
    except TooManyRows as problem:
        # Too many rows for Low Volume: keep it, so one click sends it to High Volume.
        kept = highvolume.keep_for_high_volume(data, file.name, rows=problem.rows, **where)
        return _refused(request, "low_volume", form, problem, kept)
    except FileRejected as problem:
        return _refused(request, "low_volume", form, problem)
    return redirect("bulkupload:low_volume_review", upload.pk)


@require_GET
@manager_required
def low_volume_review(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = access.get_preview_or_404(request.user, request.location, upload_id)
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


_ACCEPT = re.compile(r"^accept-(\d{1,6})$")


def _accepted_lines(request: HttpRequest) -> set[int]:
    """The lines whose email change the manager ticked (accept-<N>)."""
    return {int(match[1]) for key in request.POST if (match := _ACCEPT.match(key))}


@require_POST
@manager_required
def low_volume_recheck(request: HttpRequest, upload_id: int) -> HttpResponse:
    """Corrections typed into the review's rows: apply them and show the review again.
    "Use the suggestion" (?use-suggestion=<line>) also puts in that line's suggested address."""
    upload = access.get_preview_or_404(request.user, request.location, upload_id)
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
    upload = lowvolume.create_records(
        request.user, request.location, upload_id, accept=_accepted_lines(request)
    )
    return redirect(reverse("bulkupload:low_volume") + f"?result={upload.pk}")


@require_POST
@manager_required
def low_volume_cancel(request: HttpRequest, upload_id: int) -> HttpResponse:
    lowvolume.cancel_preview(request.user, request.location, upload_id)
    messages.info(request, "The file was removed. No records were created.")
    return redirect("bulkupload:low_volume")


def _job_for(request: HttpRequest, upload_id: str | int) -> Upload | None:
    if not str(upload_id).isdigit():
        return None
    return access.high_volume_job(request.user, request.location, int(upload_id))


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
        context["job"] = highvolume.job_status(job, request)
        context["upload"] = job  # the banner's undo (bulkupload/_undo.html)
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
    form = _file_form(request)
    if not form.is_valid():
        return _refused(request, "high_volume", form)
    file = form.cleaned_data["file"]
    try:
        upload = highvolume.start_job(
            file.read(), file.name, location=request.location, user=request.user
        )
    except FileRejected as problem:
        return _refused(request, "high_volume", form, problem)
    return redirect(reverse("bulkupload:high_volume") + f"?upload={upload.pk}")


@require_POST
@manager_required
def high_volume_start_kept(request: HttpRequest, upload_id: int) -> HttpResponse:
    """ "Upload it on the High Volume tab", offered for a file too large for Low Volume."""
    try:
        upload = highvolume.start_kept_job(request.user, request.location, upload_id)
    except FileRejected as rejection:
        context = _bulk_registration_context(request, "high_volume")
        context.update(form=RecipientFileForm(), problem=rejection)
        return render(request, "bulkupload/high_volume.html", context, status=400)
    return redirect(reverse("bulkupload:high_volume") + f"?upload={upload.pk}")


@require_GET
@manager_required
def high_volume_status(request: HttpRequest, upload_id: int) -> JsonResponse:
    """The progress panel's figures, polled while the job runs."""
    job = _job_for(request, upload_id)
    if job is None:
        raise Http404("No such upload.")
    return JsonResponse(highvolume.job_status(job, request))


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
    bounced = welcome.not_reached_by_upload(
        request.location, [upload.pk for upload in page.object_list]
    )
    for upload in page.object_list:
        upload.welcome_not_reached = bounced.get(upload.pk, 0)
    return render(request, "bulkupload/reports.html", {"page": "reports", "uploads": page})


@require_GET
@manager_required
def error_file(request: HttpRequest, upload_id: int) -> HttpResponse:
    """The failed records of an upload, as the email attaches them."""
    upload = access.get_upload_or_404(request.user, upload_id)
    if not upload.has_error_file:  # none failed, or deleted after the retention period
        raise Http404("This upload has no failed records.")
    response = HttpResponse(bytes(upload.error_file), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{error_file_name(upload)}"'
    return response


@manager_required
def upload_detail(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = access.get_upload_or_404(request.user, upload_id)
    created = Recipient.objects.of_upload(upload.pk)
    upload_changes = list(changes.changes_of(upload)) if upload.reconciled_count else []
    # Only the active ones, as on every list; those the help desk removed since are counted.
    recipients = Paginator(created.active(), RECIPIENTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": "reports",
        "upload": upload,
        "retention_days": settings.UPLOAD_RETENTION_DAYS,
        "recipients": recipients,
        "removed": created.exclude(removed_at=None).count(),
        "changes": upload_changes,
        "changes_pending": sum(1 for change in upload_changes if change.acceptable),
        "welcome": welcome.welcome_counts(upload),
        "not_reached": [
            (recipient, plain_reason(email.status, email.reason))
            for recipient in welcome.not_reached(upload)
            for email in [recipient.welcome_problem_email]
        ],
    }
    return render(request, "bulkupload/upload_detail.html", context)


def _back_to(request: HttpRequest, upload: Upload) -> str:
    """Where an undo or a Send now returns: the page it was clicked on (named, never a URL
    taken from the request)."""
    pages = {
        "low_volume": reverse("bulkupload:low_volume") + f"?result={upload.pk}",
        "high_volume": reverse("bulkupload:high_volume") + f"?upload={upload.pk}",
    }
    return pages.get(
        request.POST.get("back", ""), reverse("bulkupload:upload_detail", args=[upload.pk])
    )


@require_POST
@manager_required
def upload_undo(request: HttpRequest, upload_id: int) -> HttpResponse:
    """Undo this upload: its recipients removed, no welcome email sent (the uploader only)."""
    upload = access.get_own_upload_or_404(request.user, upload_id)
    try:
        removed = undo.undo_upload(upload, by=request.user)
    except undo.TooLateToUndo as late:
        messages.error(request, late.message)
    else:
        messages.success(
            request,
            f"{upload.file_name} was undone: {removed:,} recipient{'s' if removed != 1 else ''} "
            "removed, and no welcome email was sent.",
        )
    return redirect(_back_to(request, upload))


@require_POST
@manager_required
def upload_send_now(request: HttpRequest, upload_id: int) -> HttpResponse:
    """Send now: the welcome emails go at once instead of when the window closes."""
    upload = access.get_own_upload_or_404(request.user, upload_id)
    if undo.send_now(upload):
        messages.success(request, "The welcome emails are being sent now.")
    else:
        messages.info(request, "The welcome emails were no longer waiting.")
    return redirect(_back_to(request, upload))


@require_POST
@manager_required
def accept_changes(request: HttpRequest, upload_id: int) -> HttpResponse:
    """ "Review changes" on an upload's page: make the email changes ticked."""
    upload = access.get_upload_or_404(request.user, upload_id)
    lines = _accepted_lines(request)
    if not lines:
        messages.error(request, "Tick the changes to make first. Nothing was changed.")
        return redirect(reverse("bulkupload:upload_detail", args=[upload.pk]) + "#changes")
    accepted = changes.accept_changes(upload, lines=lines, by=request.user)
    if accepted.lines:
        count = len(accepted.lines)
        messages.success(
            request,
            f"{count} email address{'es' if count != 1 else ''} changed. The welcome email goes "
            "to the new address, with a new link; the link in any earlier one no longer works.",
        )
    for refusal in accepted.refused:
        messages.error(request, refusal)
    return redirect(reverse("bulkupload:upload_detail", args=[upload.pk]) + "#changes")
