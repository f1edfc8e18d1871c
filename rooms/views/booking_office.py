"""What the booking page adds for office staff on top of the booking rules: switching trees
without losing what was typed, "Họp ngay" (from the current minute), and the ways out of a
refusal (the next slot when every room and the bridge are free; booking without the busy rooms).

Each helper rewrites the posted form or reads; the booking itself goes through the same services.
"""

import dataclasses
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from rooms.models import Endpoint, Unit
from rooms.recurrence_text import describe_rule
from rooms.selectors.availability import free_slots
from rooms.selectors.meetings import bookable_endpoints_under
from rooms.services import booking
from rooms.services.booking_rules import BookingRequest
from rooms.views.booking_tree import LARGE_TREE
from vconf.exceptions import Conflict
from vconf.params import ids_in

# How far ahead the next free slot is looked for, and how many candidates are tried against
# every rule (bridge ports and days off are not in the free-slot search).
NEXT_SLOT_DAYS = 14
NEXT_SLOT_TRIES = 12
LARGE_SLOT_TRIES = 1
URGENT_MINUTES = 60


def parsed_times(data: QueryDict) -> tuple[datetime, datetime] | None:
    try:
        day = date.fromisoformat(data.get("day", ""))
        start = datetime.combine(day, time.fromisoformat(data.get("start_time", "")))
        end = datetime.combine(day, time.fromisoformat(data.get("end_time", "")))
    except ValueError:
        return None
    return timezone.make_aware(start), timezone.make_aware(end)


def with_times(data: QueryDict, start: datetime, end: datetime) -> None:
    start, end = timezone.localtime(start), timezone.localtime(end)
    data["day"] = start.date().isoformat()
    data["start_time"], data["end_time"] = start.strftime("%H:%M"), end.strftime("%H:%M")


def rewrite_post(data: QueryDict, *, now: datetime) -> QueryDict:
    """The posted booking form after a shortcut button: "now" starts it this minute (keeping its
    length, an hour by default), "slot" moves it to the offered slot, "without_busy" drops the
    busy rooms (a ticked unit is expanded to its rooms first). Each then books as usual."""
    action = data.get("action", "")
    if action not in {"now", "slot", "without_busy"}:
        return data
    data = data.copy()
    times = parsed_times(data)
    length = times[1] - times[0] if times and times[1] > times[0] else timedelta(minutes=URGENT_MINUTES)
    if action == "now":
        start = timezone.localtime(now).replace(second=0, microsecond=0)
        with_times(data, start, start + length)
    elif action == "slot":
        try:
            start = datetime.fromisoformat(data.get("slot", ""))
        except ValueError:
            start = None
        if start is not None and timezone.is_aware(start):
            with_times(data, start, start + length)
    else:
        drop = set(ids_in(data.getlist("busy")))
        units = Unit.objects.filter(pk__in=ids_in(data.getlist("units")))
        chosen = set(ids_in(data.getlist("endpoints"))) | set(
            bookable_endpoints_under(list(units)).values_list("pk", flat=True)
        )
        data.setlist("endpoints", [str(pk) for pk in sorted(chosen - drop)])
        data.setlist("units", [])
    data["action"] = "book"
    return data


def switched_selection(*, endpoint_ids: set[int], units: list[Unit]) -> set[int]:
    """Switching trees keeps the selection: a unit ticked on one tree becomes its rooms, which
    the other tree shows under their own units."""
    return endpoint_ids | set(bookable_endpoints_under(units).values_list("pk", flat=True))


def way_out(*, request: BookingRequest, conflicts: list[dict], now: datetime) -> dict:
    """For a refused single meeting: the rooms that are busy, and the first slot within two
    weeks at which the whole booking (rooms, bridge ports, every other rule) would go through."""
    busy_ids = sorted({c["endpoint"] for c in conflicts if "endpoint" in c} - {request.host.pk})
    busy = list(Endpoint.objects.filter(pk__in=busy_ids).order_by("name").only("pk", "name"))
    start, end = request.start, request.end
    everyone = {request.host.pk, *(e.pk for e in request.endpoints)}
    everyone |= set(bookable_endpoints_under(list(request.units)).values_list("pk", flat=True))
    slots = free_slots(
        endpoint_ids=everyone, start=start, end=start + timedelta(days=NEXT_SLOT_DAYS), duration=end - start, now=now
    )
    next_slot = None
    # Each try checks every rule for every room: a second for a national meeting's 3,400 rooms.
    tries = NEXT_SLOT_TRIES if len(everyone) <= LARGE_TREE else LARGE_SLOT_TRIES
    for free_start, _free_end in slots[:tries]:
        # On a five-minute step: a slot "from now" would otherwise start at 08:03:17.
        slot_start = free_start + (datetime.min.replace(tzinfo=free_start.tzinfo) - free_start) % timedelta(minutes=5)
        try:
            moved = dataclasses.replace(request, start=slot_start, end=slot_start + (end - start))
            booking.book(moved, preview=True)
        except (Conflict, ValidationError, PermissionDenied):
            continue
        next_slot = slot_start
        break
    return {"busy_rooms": busy, "next_slot": next_slot, "can_drop_busy": bool(busy) and len(busy) < len(everyone) - 1}


def skip_reason(conflicts: list[dict]) -> str:
    """Why an occurrence was skipped, in words: the busy rooms and their meetings, or the bridge."""
    reasons = []
    for c in conflicts:
        if "endpoint" in c:
            reasons.append(
                _("%(room)s bận họp “%(title)s”") % {"room": c["endpoint_name"], "title": c["meeting_title"]}
            )
        elif "bridge" in c:
            reasons.append(_("%(bridge)s hết cổng") % {"bridge": c.get("bridge_name", c["bridge"])})
        elif "holiday" in c:
            reasons.append(_("ngày nghỉ %(name)s") % {"name": c.get("name", c["holiday"])})
    return "; ".join(dict.fromkeys(reasons)) or _("trùng lịch")


def skipped_rows(skipped: list[dict]) -> list[dict]:
    return [
        {
            "start": datetime.fromisoformat(s["start"]),
            "end": datetime.fromisoformat(s["end"]),
            "why": skip_reason(s.get("conflicts", [])),
        }
        for s in skipped
    ]


def series_booked_text(recurrence: str, *, start: datetime, result: object) -> str:
    """The message after a series is booked: how many, the rule in words, and each skipped
    occurrence with its reason."""
    skipped = getattr(result, "skipped", [])
    text = _("Đã đặt %(n)s buổi họp: %(rule)s.") % {
        "n": len(getattr(result, "meetings", [])),
        "rule": describe_rule(recurrence, start=start, skipped=len(skipped)),
    }
    for row in skipped_rows(skipped):
        local = timezone.localtime(row["start"])
        text += " " + _("Bỏ qua %(day)s: %(why)s.") % {"day": local.strftime("%d/%m/%Y %H:%M"), "why": row["why"]}
    return text
