"""A department's iCalendar upload: POST /api/meetings/import-ics/ makes each VEVENT a pending
request, all of them or none (rooms/ical_upload.py holds the rules)."""

from drf_spectacular.utils import extend_schema

from rooms.views.meetings import ImportView


@extend_schema(
    tags=["meetings"],
    summary="Import an iCalendar file as requests: every VEVENT a pending request, all or none",
    description="For departments (requesters): the lead time in working days is checked per event; a "
    'refusal is 400 {"events": [{"row", "uid", "summary", "detail", ...}]} and writes nothing.',
)
class RequestImportView(ImportView):
    as_requests = True
