import re
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from providers.access import manager_required
from recipients.listing import loaded_recipients

from . import highvolume, lowvolume
from .access import get_upload_or_404, uploads_visible_to
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


@require_POST
@manager_required
def low_volume_recheck(request: HttpRequest, upload_id: int) -> HttpResponse:
    """Corrections typed into the review's failed rows: apply them and show the review again."""
    upload = lowvolume.get_preview_or_404(request.user, request.location, upload_id)
    corrections: dict[int, dict[str, str]] = {}
    for key, value in request.POST.items():
        if match := _CORRECTION.match(key):
            corrections.setdefault(int(match[1]), {})[match[2]] = value
    try:
        lowvolume.correct_preview(upload, corrections)
    except FileRejected as rejection:
        messages.error(request, f"The corrections were not applied: {rejection.message}")
    else:
        messages.success(request, "Your corrections were applied and every row checked again.")
    return redirect("bulkupload:low_volume_review", upload.pk)


@require_POST
@manager_required
def low_volume_create(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = lowvolume.create_records(request.user, request.location, upload_id)
    return redirect(reverse("bulkupload:low_volume") + f"?result={upload.pk}")


@require_POST
@manager_required
def low_volume_cancel(request: HttpRequest, upload_id: int) -> HttpResponse:
    lowvolume.cancel_preview(request.user, request.location, upload_id)
    messages.info(request, "The file was removed. No records were created.")
    return redirect("bulkupload:low_volume")


def _job_for(request: HttpRequest, upload_id: str | int | None) -> Upload | None:
    """A High Volume job of the manager's current location, for the progress panel."""
    jobs = (
        uploads_visible_to(request.user)
        .for_location(request.location)
        .without_files()
        .filter(source=Upload.Source.HIGH_VOLUME)
    )
    if upload_id is not None:
        return jobs.filter(pk=upload_id).first() if str(upload_id).isdigit() else None
    # Coming back to the tab: the manager's own job still in progress, if any.
    return (
        jobs.filter(
            uploaded_by=request.user, status__in=[Upload.Status.QUEUED, Upload.Status.RUNNING]
        )
        .order_by("-created_at")
        .first()
    )


@manager_required
def high_volume(request: HttpRequest) -> HttpResponse:
    context = _bulk_registration_context(request, "high_volume")
    context["form"] = RecipientFileForm()
    job = _job_for(request, request.GET.get("upload"))
    if job is not None:
        context["job"] = highvolume.job_status(job)
    return render(request, "bulkupload/high_volume.html", context)


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
    context = {
        "page": "reports",
        "upload": upload,
        "retention_days": settings.UPLOAD_RETENTION_DAYS,
    }
    return render(request, "bulkupload/upload_detail.html", context)
