"""Moving a room to another bridge (MCU) while it has future meetings.

A room's bridge decides the cascade of every meeting it is booked into. A move is refused (409,
on the `bridge` field) when, in one of its future meetings, the new bridge would not cascade up
to the meeting's top bridge, or the meeting's new shape would take more ports on some bridge
than that bridge has free at the time. The refusal names a few meetings and a count, and the
bridge; nothing changes. Callers hold the booking locks (lock_bridge_move) before reading.
"""

from collections import Counter
from collections.abc import Collection, Mapping

from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from rooms.cascade import common_root, held_ports, links_to_top
from rooms.models import Bridge, Endpoint, Meeting, MeetingStatus
from rooms.selectors.bridges import bridge_conflicts, bridge_load, rooms_per_bridge
from rooms.services.booking_rules import lock_for_booking
from vconf import clock
from vconf.exceptions import Conflict

# A refusal names at most this many meetings, then counts the rest.
NAMED_MEETINGS = 3


class BridgeMoveRefused(Conflict):
    """409 on the `bridge` field: the move would break some future meetings."""

    field = "bridge"


def chain_of(bridge_id: int | None, parents: Mapping[int, int | None]) -> list[int]:
    chain: list[int] = []
    node = bridge_id
    while node is not None and node not in chain:
        chain.append(node)
        node = parents.get(node)
    return chain


def lock_bridge_move(*, endpoint_id: int, old_bridge_id: int | None, new_bridge_id: int | None) -> None:
    """The booking's locks, in the booking's order: both bridges' cascades, then the room."""
    parents = dict(Bridge.objects.values_list("pk", "parent_id"))
    bridges = {*chain_of(old_bridge_id, parents), *chain_of(new_bridge_id, parents)}
    lock_for_booking(bridge_ids=bridges, endpoint_ids=[endpoint_id])


def future_meetings_of(endpoint_id: int) -> list[Meeting]:
    return list(
        Meeting.objects.filter(
            participations__endpoint_id=endpoint_id,
            participations__active=True,
            status__in=[MeetingStatus.SCHEDULED, MeetingStatus.PENDING],
            end__gt=clock.now(),
        )
        .distinct()
        .order_by("start", "pk")
    )


def bridge_counts(meeting: Meeting) -> Counter[int | None]:
    return Counter(rooms_per_bridge(meeting))


def cascade_breaks(counts: Counter[int | None], *, top: int | None, parents: Mapping[int, int | None]) -> bool:
    """True when some endpoint's bridge no longer reaches the meeting's top bridge."""
    bridges = [b for b, n in counts.items() if b is not None and n > 0]
    if top is None:
        return bool(bridges) and common_root(bridges, parents) is None
    return any(links_to_top(b, top=top, parents=parents) is None for b in bridges)


def over_ports(
    meeting: Meeting, before: dict[int, int], after: dict[int, int], parents: Mapping[int, int | None]
) -> int | None:
    """The first bridge whose ports the meeting's new shape would overrun, or None."""
    grown = [pk for pk, ports in after.items() if ports > before.get(pk, 0)]
    if not grown:
        return None
    bridges = Bridge.objects.in_bulk(grown)
    load = bridge_load(
        bridge_ids=grown, start=meeting.start, end=meeting.end, parents=parents, exclude_meeting_ids=[meeting.pk]
    )
    for pk in sorted(grown):
        needed = after[pk]
        if bridge_conflicts(load[pk], bridge=bridges[pk], start=meeting.start, end=meeting.end, ports_needed=needed):
            return pk
    return None


def meetings_broken_by_move(endpoint: Endpoint, *, old_bridge_id: int | None) -> tuple[list[Meeting], int | None]:
    """The endpoint's future meetings the move from `old_bridge_id` to its current `bridge_id`
    would break, and the bridge at fault (the new bridge, or the one over its ports)."""
    new = endpoint.bridge_id
    parents = dict(Bridge.objects.values_list("pk", "parent_id"))
    broken: list[Meeting] = []
    culprit: int | None = None
    for meeting in future_meetings_of(endpoint.pk):
        counts = bridge_counts(meeting)
        before = held_ports(counts, top=meeting.bridge_id, parents=parents)
        counts[old_bridge_id] -= 1
        counts[new] += 1
        counts = +counts  # drop bridges left with no endpoint
        if cascade_breaks(counts, top=meeting.bridge_id, parents=parents):
            broken.append(meeting)
            culprit = culprit or new
            continue
        full = over_ports(meeting, before, held_ports(counts, top=meeting.bridge_id, parents=parents), parents)
        if full is not None:
            broken.append(meeting)
            culprit = culprit or full
    return broken, culprit


def few_titles(meetings: Collection[Meeting]) -> str:
    """ "A (02/03), B (03/03) và 5 cuộc họp khác": a short list for a refusal."""
    ordered = list(meetings)
    names = [f"{m.title} ({localtime(m.start):%d/%m %H:%M})" for m in ordered[:NAMED_MEETINGS]]
    rest = len(ordered) - len(names)
    if rest <= 0:
        return ", ".join(names)
    count = f"{rest:,}".replace(",", ".")
    return _("%(names)s và %(count)s cuộc họp khác") % {"names": ", ".join(names), "count": count}


def refuse_breaking_bridge_move(endpoint: Endpoint, *, old_bridge_id: int | None) -> None:
    """409 when moving the endpoint to its new bridge breaks some of its future meetings."""
    if endpoint.bridge_id == old_bridge_id:
        return
    broken, culprit = meetings_broken_by_move(endpoint, old_bridge_id=old_bridge_id)
    if not broken:
        return
    bridge_name = Bridge.objects.filter(pk=culprit or 0).values_list("name", flat=True).first() or _("(không có)")
    if culprit == endpoint.bridge_id:
        text = _("Không chuyển được sang cầu %(bridge)s: cầu này không nối lên cầu MCU của %(meetings)s.")
    else:
        text = _("Không chuyển được cầu MCU: cầu %(bridge)s sẽ quá số cổng trong %(meetings)s.")
    message = text % {"bridge": bridge_name, "meetings": few_titles(broken)}
    conflicts = [
        {"meeting": m.pk, "title": m.title, "start": m.start.isoformat(), "end": m.end.isoformat()} for m in broken
    ]
    raise BridgeMoveRefused(message, conflicts)
