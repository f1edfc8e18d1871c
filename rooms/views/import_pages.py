"""A department's iCalendar upload: POST /api/meetings/import-ics/ makes each VEVENT a pending
request, all of them or none (rooms/ical_upload.py holds the rules)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError as FieldErrors

from rooms import ical_upload
from rooms.services.request_rules import is_requester
from rooms.views.meetings import ImportView
from rooms.views.operations_pages import requests_page
from vconf.auth import signed_in


@extend_schema(
    tags=["meetings"],
    summary="Import an iCalendar file as requests: every VEVENT a pending request, all or none",
    description="For departments (requesters): the lead time in working days is checked per event; a "
    'refusal is 400 {"events": [{"row", "uid", "summary", "detail", ...}]} and writes nothing.',
)
class RequestImportView(ImportView):
    as_requests = True


@login_required
@require_POST
def import_requests_page(request: HttpRequest) -> HttpResponse:
    """The requests page's upload: the requests made, or the page again naming each refused event."""
    if not is_requester(request.user):
        raise PermissionDenied
    try:
        data = ical_upload.uploaded_calendar(request.FILES)
        body = ical_upload.import_requests(organizer=signed_in(request), data=data)
    except (FieldErrors, ValidationError) as error:
        detail = getattr(error, "detail", None) or getattr(error, "message_dict", {})
        return requests_page(request, status=400, file_errors=[str(m) for m in detail.get("file", [])])
    if "events" in body:
        return requests_page(request, status=400, refused=body["events"])
    messages.success(request, _("Đã gửi %(n)s đề nghị.") % {"n": len(body["booked"])})
    return redirect("meeting-requests")
