"""A department's (requester's) iCalendar upload: every VEVENT becomes a pending request under the
booking rules (the lead time in working days checked per event), all of them or none; a refusal
names each refused event by its row and UID."""

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as Refused
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from rooms.services.request_rules import require_booker_or_requester
from rooms.services.series import import_event, read_events
from vconf.exceptions import Conflict, validation_messages

MAX_IMPORT_BYTES = 2 * 1024 * 1024


def uploaded_calendar(body: Any) -> bytes:
    """The uploaded file's bytes (a "file" or "calendar" part, or a text/calendar body), at most 2 MB."""
    upload: Any = body.get("file") or body.get("calendar")
    data = upload.read(MAX_IMPORT_BYTES + 1) if hasattr(upload, "read") else upload
    if isinstance(data, str):
        data = data.encode()
    if not data:
        raise ValidationError({"file": [_("Cần tệp iCalendar (.ics).")]})
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError({"file": [_("Tệp quá lớn (tối đa 2 MB).")]})
    return data


def refusal_of(error: Exception) -> dict:
    if isinstance(error, Conflict):
        return {"detail": error.detail, "conflicts": error.conflicts}
    if isinstance(error, Refused):
        return {"detail": _("Dữ liệu không hợp lệ."), "errors": validation_messages(error)}
    return {"detail": str(error)}


def import_requests(*, organizer: User, data: bytes) -> dict:
    """{"booked": [{"row", "uid", "summary", "meetings"}]}; or, with nothing written when any event
    is refused, {"events": [{"row", "uid", "summary", "detail", ...}]} (the API answers it 400)."""
    require_booker_or_requester(organizer)
    events = read_events(data)
    booked, refused = [], []
    with transaction.atomic():
        for row, event in enumerate(events, start=1):
            named = {"row": row, "uid": event.uid, "summary": event.summary}
            try:
                booked.append({**named, **import_event(event, organizer=organizer, skip_conflicts=False)})
            except (Refused, PermissionDenied, Conflict) as error:
                refused.append({**named, **refusal_of(error)})
        if refused:
            transaction.set_rollback(True)
    return {"events": refused} if refused else {"booked": booked}
