"""Attendance the bridge confirms (DOMAIN.md "Numbers a finance office will check", Evidence).

Per room in a meeting:
- confirmed: the operator checked it in and the bridge has a leg of it in that booking;
- bridge_only: a leg, no check-in (it attended; its head count is unknown);
- operator_only: a check-in and no leg, though its bridge sends records: a list to check;
- unverified: its bridge sends no records (none received from before the meeting's end).

A room's bridge is its own, else the meeting's. Minutes from the bridge: the union of its legs,
clipped to the meeting (and to now while it runs).
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, F, OuterRef, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from rooms.models import BridgeLeg, Endpoint, Meeting


class Verification:
    CONFIRMED = "confirmed"
    BRIDGE_ONLY = "bridge_only"
    OPERATOR_ONLY = "operator_only"
    UNVERIFIED = "unverified"

    ALL = (CONFIRMED, BRIDGE_ONLY, OPERATOR_ONLY, UNVERIFIED)
    # What the savings report counts as verified money.
    ATTENDED = (CONFIRMED, BRIDGE_ONLY)


@dataclass(frozen=True)
class Verified:
    verification: str
    # None when the bridge reported no leg of the room.
    bridge_minutes: int | None
    bridge_connected_at: datetime | None


def state_of(*, checked_in: bool, has_leg: bool, bridge_sends: bool) -> str:
    if has_leg:
        return Verification.CONFIRMED if checked_in else Verification.BRIDGE_ONLY
    if checked_in and bridge_sends:
        return Verification.OPERATOR_ONLY
    return Verification.UNVERIFIED


def union_minutes(spans: Iterable[tuple[datetime, datetime | None]], *, start: datetime, end: datetime) -> int:
    """Minutes of [start, end) covered by these spans (None: still connected, counted to `end`)."""
    clipped = sorted((max(a, start), min(b or end, end)) for a, b in spans)
    total, reach = timedelta(0), start
    for lo, hi in clipped:
        lo = max(lo, reach)
        if hi > lo:
            total, reach = total + (hi - lo), hi
    return int(total.total_seconds() // 60)


def sending_bridges(meeting: Meeting, endpoint_ids: Collection[int]) -> set[int]:
    """The endpoints among these whose bridge (own, else the meeting's) sent records by the meeting's end."""
    bridge = Coalesce("bridge_id", Value(meeting.bridge_id)) if meeting.bridge_id else F("bridge_id")
    sends = BridgeLeg.objects.filter(bridge_id=OuterRef("room_bridge"), connected_at__lt=meeting.end)
    rows = (
        Endpoint.objects.filter(pk__in=list(endpoint_ids))
        .annotate(room_bridge=bridge)
        .filter(Exists(sends))
        .values_list("pk", flat=True)
    )
    return set(rows)


def verification_for(
    meeting: Meeting, endpoint_ids: Collection[int], *, checked_in: Collection[int], now: datetime
) -> dict[int, Verified]:
    """{endpoint id: Verified} for these rooms of the meeting: two queries whatever their number."""
    spans: dict[int, list[tuple[datetime, datetime | None]]] = {}
    legs = BridgeLeg.objects.filter(participation__meeting=meeting, endpoint_id__in=list(endpoint_ids))
    for endpoint_id, connected, disconnected in legs.values_list("endpoint_id", "connected_at", "disconnected_at"):
        spans.setdefault(endpoint_id, []).append((connected, disconnected))
    sending = sending_bridges(meeting, endpoint_ids) if len(spans) < len(endpoint_ids) else set()
    until = max(min(meeting.end, now), meeting.start)
    result = {}
    for endpoint_id in endpoint_ids:
        found = spans.get(endpoint_id)
        result[endpoint_id] = Verified(
            verification=state_of(
                checked_in=endpoint_id in checked_in, has_leg=bool(found), bridge_sends=endpoint_id in sending
            ),
            bridge_minutes=union_minutes(found, start=meeting.start, end=until) if found else None,
            bridge_connected_at=min(a for a, _ in found) if found else None,
        )
    return result


def verification_labels() -> dict[str, str]:
    return {
        Verification.CONFIRMED: _("MCU xác nhận"),
        Verification.BRIDGE_ONLY: _("chỉ MCU ghi nhận"),
        Verification.OPERATOR_ONLY: _("MCU không ghi nhận"),
        Verification.UNVERIFIED: _("chưa đối chiếu"),
    }
