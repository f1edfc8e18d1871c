"""Attendance read side: an endpoint's state in a meeting, derived from its check-in records.

`derive_attendance` is a plain function over records and the clock (no database, no worker):
the API, the pages, the WebSocket snapshot and the usage report all call it, so they agree.
The shared definitions it implements (see docs/attendance.md):

- attended  = at least one "in" record;
- head count = `attendees` of the latest "in" (by `at`, then id);
- minutes connected = from the first "in" to the last "out" after it (or the meeting end when
  there is none), clipped to [start, end] and, while the meeting runs, to now;
- late = first "in" after start + CHECKIN_GRACE_MINUTES;
- no_show = no "in" once start + grace has passed (a late "in" turns it into connected, late).
"""

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol

from django.conf import settings
from django.db.models import QuerySet

from rooms.cdr.verification import verification_for
from rooms.models import CheckIn, CheckInKind, Endpoint, Meeting, MeetingStatus, Participation
from rooms.selectors import board
from rooms.selectors.readiness import board_readiness, test_opens

# The live board flags rooms still not checked in this long before the start (Cisco TMS runs
# its pre-meeting diagnostics 15 minutes ahead).
NOT_READY_MINUTES = 15
NOT_READY = timedelta(minutes=NOT_READY_MINUTES)


class AttendanceState:
    INVITED = "invited"
    READY = "ready"
    CONNECTED = "connected"
    LEFT = "left"
    NO_SHOW = "no_show"

    ALL = (INVITED, READY, CONNECTED, LEFT, NO_SHOW)


class Record(Protocol):
    """What the derivation reads from a check-in: a CheckIn row or any look-alike (a frame row)."""

    # Read-only, so that a NamedTuple row matches as well as a model instance.
    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def attendees(self) -> int | None: ...
    @property
    def issue_type(self) -> str: ...
    @property
    def note(self) -> str: ...


def _order(record: "Record") -> tuple:
    return (record.at, record.id)


def grace() -> timedelta:
    return timedelta(minutes=settings.VCONF["CHECKIN_GRACE_MINUTES"])


def checkin_window(meeting: Meeting) -> tuple[datetime, datetime]:
    """When check-ins are accepted: from CHECKIN_OPENS_MINUTES before the start to grace after the end."""
    opens = meeting.start - timedelta(minutes=settings.VCONF["CHECKIN_OPENS_MINUTES"])
    return opens, meeting.end + grace()


@dataclass(frozen=True)
class Issue:
    at: datetime
    issue_type: str
    note: str


@dataclass(frozen=True)
class Derived:
    """One endpoint's attendance in one meeting, as far as its records and the clock tell."""

    state: str
    attended: bool
    attendees: int | None
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    late: bool
    minutes_connected: int
    # Clipped connection interval; the usage report measures actual meeting duration with it.
    connected_from: datetime | None
    connected_until: datetime | None
    issues: tuple[Issue, ...]
    not_ready: bool


def _never_connected(
    *, start: datetime, end: datetime, now: datetime, grace_period: timedelta, cancelled: bool, issues: list[Issue]
) -> Derived:
    """A room with no check-in: invited until start + grace, then a no-show; "not ready" shortly before."""
    overdue = not cancelled and now >= start + grace_period
    return Derived(
        state=AttendanceState.NO_SHOW if overdue else AttendanceState.INVITED,
        attended=False,
        attendees=None,
        checked_in_at=None,
        checked_out_at=None,
        late=False,
        minutes_connected=0,
        connected_from=None,
        connected_until=None,
        issues=tuple(issues),
        not_ready=not cancelled and not overdue and start - NOT_READY <= now < end,
    )


def derive_attendance(
    records: Iterable[Record],
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    grace_period: timedelta,
    cancelled: bool = False,
) -> Derived:
    # One pass in (at, id) order; the usage report calls this for every participation in its period.
    first_in: Record | None = None
    last_in: Record | None = None
    last_out: Record | None = None
    last_move_is_out = False
    issues = []
    for r in sorted(records, key=_order):
        kind = r.kind
        if kind == CheckInKind.IN:
            if first_in is None:
                first_in = r
            last_in, last_move_is_out = r, False
        elif kind == CheckInKind.OUT:
            last_move_is_out = True
            if first_in is not None:
                last_out = r  # only a check-out after the first check-in ends the connection
        elif kind == CheckInKind.ISSUE:
            issues.append(Issue(r.at, r.issue_type, r.note))
    if first_in is None or last_in is None:  # the first check-in is also the last one so far
        return _never_connected(
            start=start, end=end, now=now, grace_period=grace_period, cancelled=cancelled, issues=issues
        )
    if last_move_is_out:
        state = AttendanceState.LEFT
    elif now < start:
        state = AttendanceState.READY
    else:
        state = AttendanceState.CONNECTED
    # The shared definition: first "in" to the last "out" after it, else the meeting end;
    # clipped to the meeting, and to now while it is still running.
    until = last_out.at if last_out else end
    lo, hi = max(first_in.at, start), min(until, end, max(now, start))
    seconds = max((hi - lo).total_seconds(), 0)
    return Derived(
        state=state,
        attended=True,
        attendees=last_in.attendees,
        checked_in_at=first_in.at,
        checked_out_at=last_out.at if last_out else None,
        late=first_in.at > start + grace_period,
        minutes_connected=int(seconds // 60),
        connected_from=lo if seconds > 0 else None,
        connected_until=hi if seconds > 0 else None,
        issues=tuple(issues),
        not_ready=False,
    )


@dataclass(frozen=True)
class EndpointAttendance:
    endpoint: int
    name: str
    unit: str
    is_host: bool
    derived: Derived
    # The province (or the country, for a central room) the endpoint's unit belongs to: the
    # national board groups its totals by it (rooms/selectors/board.py).
    province: str = ""
    # What the bridge's call records say (rooms/cdr/verification.py).
    verification: str = "unverified"
    bridge_minutes: int | None = None
    # The readiness ladder (rooms/selectors/readiness.py): tested | test_failed | not_tested, and
    # whether the room was escalated to the technical desk.
    readiness: str = ""
    escalated: bool = False


@dataclass(frozen=True)
class Totals:
    endpoints: int
    attended: int
    invited: int
    ready: int
    connected: int
    left: int
    no_show: int
    late: int
    not_ready: int
    attendees: int
    attendance_rate: float


@dataclass(frozen=True)
class MeetingAttendance:
    meeting: Meeting
    now: datetime
    endpoints: list[EndpointAttendance]
    province_names: dict[str, str] = field(default_factory=dict)
    totals: Totals = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "totals", totals_of([row.derived for row in self.endpoints]))

    @property
    def status(self) -> str:
        return self.meeting.state_at(self.now)

    @property
    def provinces(self) -> list[dict[str, Any]]:
        return board.province_totals(self.endpoints, self.province_names)

    @property
    def checkin_opens(self) -> datetime:
        return checkin_window(self.meeting)[0]

    @property
    def checkin_closes(self) -> datetime:
        return checkin_window(self.meeting)[1]


def totals_of(rows: Sequence[Derived]) -> Totals:
    count = dict.fromkeys(AttendanceState.ALL, 0)
    for row in rows:
        count[row.state] += 1
    attended = sum(row.attended for row in rows)
    return Totals(
        endpoints=len(rows),
        attended=attended,
        invited=count[AttendanceState.INVITED],
        ready=count[AttendanceState.READY],
        connected=count[AttendanceState.CONNECTED],
        left=count[AttendanceState.LEFT],
        no_show=count[AttendanceState.NO_SHOW],
        late=sum(row.late for row in rows),
        not_ready=sum(row.not_ready for row in rows),
        attendees=sum(row.attendees or 0 for row in rows if row.attended),
        attendance_rate=round(attended / len(rows), 4) if rows else 0.0,
    )


class CheckInRow(NamedTuple):
    """A check-in as the derivation reads it, without building a model instance per row."""

    id: int
    endpoint: int
    kind: str
    at: datetime
    attendees: int | None
    issue_type: str
    note: str


def meeting_participations(meeting: Meeting) -> QuerySet[Participation]:
    """The endpoints on the board: the live bookings, or all of them once the meeting is cancelled
    (cancelling deactivates them, and the board should still show who was invited)."""
    rows = Participation.objects.filter(meeting=meeting)
    if meeting.status != MeetingStatus.CANCELLED:
        rows = rows.filter(active=True)
    return rows.order_by("-is_host", "endpoint__unit__code", "endpoint__name", "endpoint_id")


def meeting_attendance(
    meeting: Meeting, *, now: datetime, only: "QuerySet | Collection[int] | None" = None
) -> MeetingAttendance:
    """Every endpoint of the meeting with its derived state: three queries whatever the size.
    `only` narrows to these endpoint ids (a scope, a unit, or the rooms one change touched).
    Plain rows (values_list), not model instances: a 3,000-room board is rebuilt often."""
    by_endpoint: dict[int, list[CheckInRow]] = {}
    records = CheckIn.objects.filter(meeting=meeting).order_by("at", "id")
    booked = meeting_participations(meeting)
    if only is not None:
        records, booked = records.filter(endpoint_id__in=only), booked.filter(endpoint_id__in=only)
    for row in records.values_list("id", "endpoint_id", "kind", "at", "attendees", "issue_type", "note"):
        record = CheckInRow(*row)
        by_endpoint.setdefault(record.endpoint, []).append(record)
    cancelled = meeting.status == MeetingStatus.CANCELLED
    period = grace()
    provinces = board.province_codes()
    standing = board_readiness(meeting)
    rows = [
        EndpointAttendance(
            endpoint=endpoint_id,
            name=name,
            unit=unit_code,
            is_host=is_host,
            derived=derive_attendance(
                by_endpoint.get(endpoint_id, []),
                start=meeting.start,
                end=meeting.end,
                now=now,
                grace_period=period,
                cancelled=cancelled,
            ),
            readiness=standing.get(endpoint_id, ("not_tested", False))[0],
            escalated=standing.get(endpoint_id, ("not_tested", False))[1],
            province=board.province_of(lineage, provinces),
        )
        for endpoint_id, is_host, name, unit_code, *lineage in booked.values_list(
            "endpoint_id", "is_host", "endpoint__name", "endpoint__unit__code", *board.LINEAGE
        )
    ]
    names = dict(provinces.values())
    rows = with_verification(meeting, rows, now=now)
    return MeetingAttendance(meeting=meeting, now=now, endpoints=rows, province_names=names)


def with_verification(meeting: Meeting, rows: list[EndpointAttendance], *, now: datetime) -> list[EndpointAttendance]:
    """The rows with what the bridge's call records say of each room (two queries)."""
    checked_in = {row.endpoint for row in rows if row.derived.attended}
    found = verification_for(meeting, [row.endpoint for row in rows], checked_in=checked_in, now=now)
    return [
        replace(row, verification=found[row.endpoint].verification, bridge_minutes=found[row.endpoint].bridge_minutes)
        for row in rows
    ]


def endpoint_attendance(meeting: Meeting, endpoint: Endpoint, *, now: datetime) -> Derived:
    records = CheckIn.objects.filter(meeting=meeting, endpoint=endpoint).order_by("at", "id")
    return derive_attendance(
        records,
        start=meeting.start,
        end=meeting.end,
        now=now,
        grace_period=grace(),
        cancelled=meeting.status == MeetingStatus.CANCELLED,
    )


@dataclass
class RoomAgenda:
    """An operator's endpoint with the meetings it can check into now and the next one."""

    endpoint: Endpoint
    open_meetings: list[tuple[Meeting, Derived]]
    next_meeting: Meeting | None
    # Filled by the "My room" page: the head-count limit, one check-in form per open meeting and
    # the room's calendar feed links.
    limit: int = 0
    forms: list[dict[str, Any]] = field(default_factory=list)
    feed: dict[str, str] = field(default_factory=dict)


def operator_agenda(endpoints: Iterable[Endpoint], *, now: datetime) -> list[RoomAgenda]:
    """For "My room": per endpoint, the meetings whose check-in window is open and the next one."""
    agenda = []
    for endpoint in endpoints:
        upcoming = (
            Meeting.objects.filter(
                participations__endpoint=endpoint,
                participations__active=True,
                status=MeetingStatus.SCHEDULED,
                end__gte=now - grace(),
            )
            .select_related("host")
            .order_by("start", "id")[:4]
        )
        open_meetings, next_meeting = [], None
        for meeting in upcoming:
            # Open from the test-call window (60 minutes), which opens before check-ins (30).
            if min(test_opens(meeting.start), checkin_window(meeting)[0]) <= now <= meeting.end + grace():
                open_meetings.append((meeting, endpoint_attendance(meeting, endpoint, now=now)))
            elif meeting.start > now and next_meeting is None:
                next_meeting = meeting
        agenda.append(RoomAgenda(endpoint=endpoint, open_meetings=open_meetings, next_meeting=next_meeting))
    return agenda


def watchable_meetings(endpoints: QuerySet[Endpoint], *, day_start: datetime, day_end: datetime) -> QuerySet[Meeting]:
    """Meetings of the day that involve any of these endpoints: the live boards a user may open."""
    return (
        Meeting.objects.filter(start__lt=day_end, end__gt=day_start, participations__endpoint__in=endpoints)
        .distinct()
        .select_related("host")
        .order_by("start", "id")
    )


def issues_reported(*, meeting: Meeting, endpoint: Endpoint) -> QuerySet[CheckIn]:
    """The issue reports of one room in one meeting, oldest first, for its operator to close."""
    return CheckIn.objects.filter(meeting=meeting, endpoint=endpoint, kind=CheckInKind.ISSUE).order_by("at", "id")
