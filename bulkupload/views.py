from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from providers.access import manager_required
from recipients.listing import loaded_recipients

from .access import get_upload_or_404
from .models import Upload


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
    return render(request, "bulkupload/low_volume.html", context)


@manager_required
def high_volume(request: HttpRequest) -> HttpResponse:
    context = _bulk_registration_context(request, "high_volume")
    return render(request, "bulkupload/high_volume.html", context)


# The template's columns, in the guide's order and spelling (DESIGN.md, "Messages").
TEMPLATE_COLUMNS = ["FirstName", "LastName", "Date of birth", "Email"]


@require_GET
@manager_required
def template_csv(request: HttpRequest) -> HttpResponse:
    """The Recipient Bulk Upload Template: the header row Excel opens and fills in."""
    response = HttpResponse(
        "\ufeff" + ",".join(TEMPLATE_COLUMNS) + "\r\n", content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="recipient-bulk-upload-template.csv"'
    return response


@manager_required
def reports(request: HttpRequest) -> HttpResponse:
    uploads = Upload.objects.filter(location=request.location).select_related("uploaded_by")
    page = Paginator(uploads.defer("content", "error_file"), 25).get_page(request.GET.get("page"))
    return render(request, "bulkupload/reports.html", {"page": "reports", "uploads": page})


@manager_required
def upload_detail(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = get_upload_or_404(request.user, upload_id)
    return render(request, "bulkupload/upload_detail.html", {"page": "reports", "upload": upload})
