"""Reads about bridges (MCUs): the ports booked meetings hold on each, counted over the cascade.

A meeting holds ports on every bridge its endpoints use and on both ends of every cascade link on
the way to its top bridge (rooms/cascade.py). The load of other meetings is read with one query
for a whole span, grouped by meeting and endpoint bridge, then the cascade rule is applied per
meeting in Python with the bridges' parent map loaded once: a national conference of 3,356 rooms
is 36 grouped rows, not 3,356.
"""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from rooms.cascade import held_ports
from rooms.models import Bridge, Meeting, MeetingStatus, Participation
from rooms.selectors.ids import ids_in
from vconf.limits import MAX_MEETING

Parents = Mapping[int, int | None]


def setup_buffer() -> timedelta:
    """Busy time kept before every booking for the test call (VCONF["SETUP_BUFFER_MINUTES"])."""
    return timedelta(minutes=settings.VCONF.get("SETUP_BUFFER_MINUTES", 0))


def iso(value: datetime) -> str:
    """A time as the API shows it: ISO 8601 in Asia/Ho_Chi_Minh (+07:00)."""
    return timezone.localtime(value).isoformat()


def all_bridges() -> dict[int, Bridge]:
    """Every bridge by id, with what the port rules read (one query; a country has a few dozen)."""
    return {b.pk: b for b in Bridge.objects.only("pk", "name", "ports", "parent_id", "unit_id")}


def parents_of(bridges: Mapping[int, Bridge]) -> dict[int, int | None]:
    return {pk: b.parent_id for pk, b in bridges.items()}


def subtree_of(bridge_ids: Iterable[int], parents: Parents) -> set[int]:
    """These bridges and every bridge that cascades up to one of them."""
    wanted, found = set(bridge_ids), set()
    for pk in parents:
        node: int | None = pk
        seen: set[int] = set()
        while node is not None and node not in seen:
            if node in wanted:
                found.add(pk)
                break
            seen.add(node)
            node = parents.get(node)
    return found | wanted


@dataclass(frozen=True)
class BridgeUse:
    meeting_id: int
    start: datetime
    end: datetime
    ports: int


def meeting_port_rows(
    *, start: datetime, end: datetime, bridge_ids: Collection[int], parents: Parents, exclude: Collection[int] = ()
) -> dict[int, tuple[int | None, datetime, datetime, dict[int | None, int]]]:
    """{meeting: (top bridge, start, end, {endpoint bridge: endpoints})} for the scheduled (and
    pending) meetings around [start, end) that may hold ports on these bridges.

    The meetings around the slot are read first (a day holds a few hundred among a year's
    thousands), then their participations grouped by endpoint bridge: only the rows that can put
    ports on these bridges, endpoints on a bridge of their subtrees and endpoints without a
    bridge of meetings whose top is one of them."""
    buffer = setup_buffer()
    relevant = subtree_of(bridge_ids, parents)
    around = (
        Meeting.objects.filter(
            # A pending request holds its ports like any booking.
            status__in=[MeetingStatus.SCHEDULED, MeetingStatus.PENDING],
            # Served by meeting_time_idx; MAX_MEETING bounds the scan from below.
            start__lt=end + buffer,
            end__gt=start - buffer,
            start__gt=start - buffer - MAX_MEETING,
        )
        .exclude(pk__in=exclude)
        .values_list("pk", "bridge_id", "start", "end")
    )
    found = {pk: (top, m_start, m_end) for pk, top, m_start, m_end in around}
    if not found:
        return {}
    rows = (
        Participation.objects.filter(
            Q(endpoint__bridge_id__in=relevant) | Q(endpoint__bridge_id__isnull=True),
            ids_in("meeting_id", list(found)),
            active=True,
        )
        .values("meeting_id", "endpoint__bridge_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("meeting_id", "endpoint__bridge_id", "n")
    )
    meetings: dict[int, tuple[int | None, datetime, datetime, dict[int | None, int]]] = {}
    for meeting_id, bridge_id, n in rows:
        top, m_start, m_end = found[meeting_id]
        if bridge_id is None and top not in relevant:
            continue
        meetings.setdefault(meeting_id, (top, m_start, m_end, {}))[3][bridge_id] = n
    return meetings


def bridge_load(
    *,
    bridge_ids: Collection[int],
    start: datetime,
    end: datetime,
    parents: Parents,
    exclude_meeting_ids: Collection[int] = (),
) -> dict[int, list[BridgeUse]]:
    """Scheduled meetings around [start, end) and the ports each holds, per bridge of these."""
    if not bridge_ids:
        return {}
    meetings = meeting_port_rows(
        start=start, end=end, bridge_ids=bridge_ids, parents=parents, exclude=exclude_meeting_ids
    )
    load: dict[int, list[BridgeUse]] = {pk: [] for pk in bridge_ids}
    for meeting_id, (top, m_start, m_end, counts) in meetings.items():
        for bridge_id, ports in held_ports(counts, top=top, parents=parents).items():
            if bridge_id in load:
                load[bridge_id].append(BridgeUse(meeting_id, m_start, m_end, ports))
    return load


def bridge_conflicts(
    load: Iterable[BridgeUse], *, bridge: Bridge, start: datetime, end: datetime, ports_needed: int
) -> list[dict]:
    """The stretches of [start, end) where the bridge would not have `ports_needed` free ports.

    Ports are held from start - buffer (the test call goes through the bridge too) to end. The
    peak of concurrent use is found by sweeping the boundaries of the overlapping meetings."""
    buffer = setup_buffer()
    lo, hi = start - buffer, end
    uses = [(max(u.start - buffer, lo), min(u.end, hi), u.ports) for u in load if u.start - buffer < hi and lo < u.end]
    points = sorted({lo, hi, *(s for s, _, _ in uses), *(e for _, e, _ in uses)})
    conflicts: list[dict] = []
    for seg_start, seg_end in pairwise(points):
        used = sum(p for s, e, p in uses if s < seg_end and seg_start < e)
        free = max(bridge.ports - used, 0)
        if free >= ports_needed:
            continue
        last = conflicts[-1] if conflicts else None
        if last and last["_end"] == seg_start:
            last["_end"] = seg_end
            last["ports_free"] = min(last["ports_free"], free)
            continue
        conflicts.append({"_start": seg_start, "_end": seg_end, "ports_free": free})
    return [
        {
            "bridge": bridge.pk,
            "bridge_name": bridge.name,
            "start": iso(c["_start"]),
            "end": iso(c["_end"]),
            "ports_needed": ports_needed,
            "ports_free": c["ports_free"],
        }
        for c in conflicts
    ]


def ports_of_meeting(meeting: Meeting, *, parents: Parents | None = None) -> dict[int, int]:
    """The ports one meeting holds on each bridge, from its active participations (one query,
    plus one for the parent map unless given)."""
    if parents is None:
        parents = dict(Bridge.objects.values_list("pk", "parent_id"))
    return held_ports(rooms_per_bridge(meeting), top=meeting.bridge_id, parents=parents)


def rooms_per_bridge(meeting: Meeting) -> dict[int | None, int]:
    """How many of the meeting's active rooms sit on each bridge (None: rooms with no bridge); one query."""
    rows = (
        Participation.objects.filter(meeting=meeting, active=True)
        .values("endpoint__bridge_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("endpoint__bridge_id", "n")
    )
    return dict(rows)


def peak_ports(load: Iterable[BridgeUse], *, start: datetime, end: datetime) -> int:
    """The most ports held at any instant of [start, end) by these uses (setup buffer included)."""
    buffer = setup_buffer()
    uses = [(max(u.start - buffer, start), min(u.end, end), u.ports) for u in load]
    uses = [u for u in uses if u[0] < u[1]]
    points = sorted({s for s, _, _ in uses})
    return max((sum(p for s, e, p in uses if s <= t < e) for t in points), default=0)


@dataclass(frozen=True)
class BridgeShare:
    """What a meeting holds on one bridge, for the meeting page."""

    bridge: Bridge
    ports: int

    @property
    def percent(self) -> int:
        return round(100 * self.ports / self.bridge.ports)


def meeting_bridge_load(meeting: Meeting) -> list[BridgeShare]:
    """Each bridge a meeting holds ports on, with its ports there (two queries)."""
    bridges = all_bridges()
    ports = ports_of_meeting(meeting, parents=parents_of(bridges))
    return [BridgeShare(bridges[pk], n) for pk, n in sorted(ports.items()) if pk in bridges]


def daily_peaks(bridge: Bridge, *, first: date, days: int) -> list[tuple[date, int]]:
    """The most ports booked at once on this bridge, per local day from `first` for `days`
    days: scheduled meetings only (cancelled ones freed their ports), over the whole cascade."""
    start = timezone.make_aware(datetime.combine(first, time()))
    end = start + timedelta(days=days)
    parents = dict(Bridge.objects.values_list("pk", "parent_id"))
    uses = bridge_load(bridge_ids=[bridge.pk], start=start, end=end, parents=parents)[bridge.pk]
    peaks = []
    for n in range(days):
        day = first + timedelta(days=n)
        lo = timezone.make_aware(datetime.combine(day, time()))
        hi = timezone.make_aware(datetime.combine(day + timedelta(days=1), time()))
        peaks.append((day, peak_ports([u for u in uses if u.start < hi and lo < u.end], start=lo, end=hi)))
    return peaks
