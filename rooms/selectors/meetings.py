"""Reads about meetings: who is busy when, how loaded a bridge is, and the meeting lists.

The conflict functions fetch once for a whole span (one meeting or a whole series) and then
answer per interval in Python, so checking 52 occurrences costs two queries, not 104.
"""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import F, Prefetch, Q, QuerySet

from rooms.models import Bridge, Endpoint, Meeting, MeetingStatus, Participation, Unit
from rooms.models.endpoints import BOOKABLE_STATUSES
from rooms.permissions import home_unit, is_administrator
from rooms.selectors.bridges import all_bridges, bridge_conflicts, bridge_load, iso, parents_of, setup_buffer
from rooms.selectors.ids import ids_in
from rooms.selectors.units import endpoints_under_units
from vconf.limits import MAX_MEETING

# No meeting lasts longer than MAX_MEETING (the booking rules refuse it), so it bounds the
# conflict queries from below too: they read a few index entries per endpoint instead of its
# whole history.


@dataclass(frozen=True)
class Busy:
    """One live booking of an endpoint: the meeting it is in and when."""

    endpoint_id: int
    endpoint_name: str
    meeting_id: int
    meeting_title: str
    start: datetime
    end: datetime


def busy_participations(
    *, endpoint_ids: Collection[int], start: datetime, end: datetime, exclude_meeting_ids: Collection[int] = ()
) -> list[Busy]:
    """Live bookings of these endpoints that could collide with a booking inside [start, end),
    the setup buffer included on both sides."""
    if not endpoint_ids:
        return []
    buffer = setup_buffer()
    # Served by the partial index participation_busy_idx (endpoint, start, end) WHERE active.
    rows = (
        Participation.objects.filter(
            ids_in("endpoint_id", endpoint_ids),
            active=True,
            start__lt=end + buffer,
            end__gt=start - buffer,
            start__gt=start - buffer - MAX_MEETING,
        )
        .exclude(meeting_id__in=exclude_meeting_ids)
        .values_list("endpoint_id", "endpoint__name", "meeting_id", "meeting__title", "start", "end")
        .order_by("start", "endpoint_id")
    )
    return [Busy(*row) for row in rows]


def endpoint_conflicts(busy: Iterable[Busy], *, start: datetime, end: datetime) -> list[dict]:
    """The bookings among `busy` that a meeting [start, end) would collide with.

    A booking occupies its endpoint from start - buffer (the test call) to end, so two bookings
    collide iff those widened intervals overlap; back-to-back bookings do not (half-open)."""
    buffer = setup_buffer()
    return [
        {
            "endpoint": b.endpoint_id,
            "endpoint_name": b.endpoint_name,
            "meeting": b.meeting_id,
            "meeting_title": b.meeting_title,
            "start": iso(b.start),
            "end": iso(b.end),
        }
        for b in busy
        if b.start - buffer < end and start - buffer < b.end
    ]


@dataclass
class ConflictChecker:
    """Answers "what would [start, end) collide with" for one set of endpoints holding
    `ports_needed` ports per bridge, from bookings fetched once for the whole span (a meeting, or
    every occurrence of a series): two queries for the endpoints and the bridges' load, one for
    the bridges themselves."""

    endpoint_ids: list[int]
    ports_needed: Mapping[int, int]  # {bridge id: ports this booking holds there}
    span_start: datetime
    span_end: datetime
    exclude_meeting_ids: Collection[int] = ()

    def __post_init__(self) -> None:
        self.busy = busy_participations(
            endpoint_ids=self.endpoint_ids,
            start=self.span_start,
            end=self.span_end,
            exclude_meeting_ids=self.exclude_meeting_ids,
        )
        self.bridges: dict[int, Bridge] = all_bridges() if self.ports_needed else {}
        self.load = bridge_load(
            bridge_ids=list(self.ports_needed),
            start=self.span_start,
            end=self.span_end,
            parents=parents_of(self.bridges),
            exclude_meeting_ids=self.exclude_meeting_ids,
        )

    def conflicts(self, start: datetime, end: datetime) -> list[dict]:
        found = endpoint_conflicts(self.busy, start=start, end=end)
        for pk in sorted(self.ports_needed):
            found += bridge_conflicts(
                self.load.get(pk, []), bridge=self.bridges[pk], start=start, end=end, ports_needed=self.ports_needed[pk]
            )
        return found


# The deepest tree: country > province > district > commune (the legacy tree under VN).
TREE_DEPTH = 4


def endpoints_in_scope_of(user: User | AnonymousUser, endpoint_ids: Collection[int]) -> set[int]:
    """Which of these endpoints the user may book: rooms.permissions.endpoints_in_scope, asked
    from the endpoints' side. A unit is in the home unit's subtree iff the home unit is the unit
    or one of its TREE_DEPTH - 1 ancestors: one query by primary key whatever the size of the
    tree (the generic form lists every unit of the subtree, 3,300 ids for the country). A user
    whose home unit is VN reaches every room of the country; a province's staff never reach VN's
    central rooms, which sit above their province."""
    home = home_unit(user)
    if is_administrator(user) or home is None:
        return set(endpoint_ids)
    lineage = tuple("unit" + "__parent" * depth for depth in range(TREE_DEPTH))
    lineage += tuple(f"legacy_{name}" for name in lineage)
    rows = Endpoint.objects.filter(ids_in("pk", endpoint_ids)).values_list("pk", *(f"{name}_id" for name in lineage))
    return {pk for pk, *ancestors in rows if home.pk in ancestors}


def bookable_endpoints_under(units: Collection[Unit]) -> QuerySet[Endpoint]:
    """Every pilot or in-service endpoint of these units and the units below them."""
    if not units:
        return Endpoint.objects.none()
    return endpoints_under_units(list(units)).filter(status__in=BOOKABLE_STATUSES)


def resolve_unit_codes(codes: Iterable[str], *, structure: str | None = None) -> tuple[list[Unit], list[str]]:
    """Units for these codes, and the codes that match none. Without a structure a code is
    looked up on today's tree first, then on the legacy one (the province code exists on both)."""
    wanted = list(dict.fromkeys(str(c).strip() for c in codes if str(c).strip()))
    found: dict[str, Unit] = {}
    order = [structure] if structure else ["current", "legacy"]
    for tree in order:
        missing = [c for c in wanted if c not in found]
        if not missing:
            break
        for unit in Unit.objects.filter(structure=tree, code__in=missing):
            found[unit.code] = unit
    return [found[c] for c in wanted if c in found], [c for c in wanted if c not in found]


def state_filter(state: str, now: datetime) -> Q:
    """The derived state (see Meeting.state_at) as a database filter."""
    scheduled = Q(status=MeetingStatus.SCHEDULED)
    filters: dict[str, Q] = {
        MeetingStatus.CANCELLED: Q(status=MeetingStatus.CANCELLED),
        MeetingStatus.PENDING: Q(status=MeetingStatus.PENDING),
        MeetingStatus.SCHEDULED: scheduled & Q(start__gt=now),
        MeetingStatus.IN_PROGRESS: scheduled & Q(start__lte=now, end__gt=now),
        MeetingStatus.HELD: scheduled & Q(end__lte=now),
    }
    return filters[state]


def with_participants(queryset: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """Meetings with what their API shape needs, in a fixed number of queries."""
    return queryset.select_related("organizer", "series").prefetch_related(
        # Each row carries its endpoint's bridge, which the meeting's `bridges` (ports) need.
        Prefetch(
            "participations",
            queryset=Participation.objects.annotate(endpoint_bridge_id=F("endpoint__bridge_id")).order_by(
                "endpoint_id"
            ),
        )
    )


def meeting_list(
    *,
    now: datetime,
    start_after: datetime | None = None,
    start_before: datetime | None = None,
    endpoint_id: int | None = None,
    state: str | None = None,
    unit_ids: Collection[int] | None = None,
) -> QuerySet[Meeting]:
    queryset = Meeting.objects.all()
    if start_after is not None:
        queryset = queryset.filter(start__gte=start_after)
    if start_before is not None:
        queryset = queryset.filter(start__lt=start_before)
    if endpoint_id is not None:
        queryset = queryset.filter(pk__in=Participation.objects.filter(endpoint_id=endpoint_id).values("meeting_id"))
    if unit_ids is not None:
        endpoints = Endpoint.objects.filter(Q(unit_id__in=unit_ids) | Q(legacy_unit_id__in=unit_ids))
        queryset = queryset.filter(
            pk__in=Participation.objects.filter(endpoint__in=endpoints.values("pk")).values("meeting_id")
        )
    if state:
        queryset = queryset.filter(state_filter(state, now))
    return with_participants(queryset.order_by("start", "id"))


def meetings_of_endpoint(*, endpoint_id: int, since: datetime) -> QuerySet:
    """What an endpoint's calendar feed shows, as rows: its meetings since a date, cancelled
    ones too (so subscribed calendars remove them)."""
    return (
        Meeting.objects.filter(participations__endpoint_id=endpoint_id, end__gte=since)
        .order_by("start", "id")
        .values_list(
            *("pk", "uid", "sequence", "updated_at", "start", "end", "title", "status"),
            *("host__name", "host__dial_address", "bridge__name", "bridge__dial_address"),
        )
    )


@dataclass
class TreeNode:
    """A unit of the booking form's tree: its bookable endpoints and the units below it."""

    unit: Unit
    endpoints: list[Endpoint]
    children: list["TreeNode"]
    selectable: bool  # ticking the unit (every endpoint below) stays inside the user's scope
    checked: bool = False


def booking_tree(
    *,
    endpoints: Iterable[Endpoint],
    structure: str,
    scope_unit_ids: set[int] | None,
    checked_endpoints: Collection[int] = (),
    checked_units: Collection[int] = (),
) -> list[TreeNode]:
    """The units of one tree that hold some of these endpoints, nested, with the endpoints under
    their unit. Two queries whatever the size of the province."""
    by_unit: dict[int, list[Endpoint]] = {}
    for endpoint in endpoints:
        # On the legacy tree a current room sits under the former unit it serves (endpoints_on_tree).
        by_unit.setdefault(getattr(endpoint, "tree_unit_id", endpoint.unit_id), []).append(endpoint)
    units = {u.pk: u for u in Unit.objects.filter(structure=structure).only("pk", "code", "name", "parent_id", "level")}
    children: dict[int | None, list[int]] = {}
    for unit in sorted(units.values(), key=lambda u: (u.code, u.name)):
        parent = unit.parent_id if unit.parent_id in units else None
        children.setdefault(parent, []).append(unit.pk)

    def build(pk: int) -> TreeNode | None:
        kids = [node for child in children.get(pk, []) if (node := build(child))]
        mine = sorted(by_unit.get(pk, []), key=lambda e: e.name)
        if not kids and not mine:
            return None
        for endpoint in mine:
            endpoint.checked = endpoint.pk in checked_endpoints  # type: ignore[attr-defined]  # read by the template
        selectable = scope_unit_ids is None or pk in scope_unit_ids
        return TreeNode(units[pk], mine, kids, selectable, checked=pk in checked_units)

    return [node for root in children.get(None, []) if (node := build(root))]
