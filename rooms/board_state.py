"""What one live-board feed knows of its meeting: the rows it shows, the version they are at, and
which rows each version changed.

A board gets one whole snapshot when it connects (or asks to `resync`), then only deltas: the
rows changed since the last message it got, with the new totals. A check-in's notice names its
endpoint, so a delta reads only that room's records from the database; totals are recomputed in
memory from the rows the feed keeps. A notice without endpoints (a booking change, a feed that
may have missed changes, a board whose clock crossed the start) reads the whole board again and
sends only the rows that differ.
"""

import json
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any

from rooms.models import Endpoint, Meeting, Unit
from rooms.selectors.attendance import EndpointAttendance, MeetingAttendance, meeting_attendance, totals_of
from rooms.selectors.board import endpoints_within, province_totals
from rooms.serializers.attendance import EndpointAttendanceSerializer, MeetingAttendanceSerializer
from vconf import clock

# A snapshot row shows at most this many issues (the latest), each note cut to this length.
SNAPSHOT_ISSUES = 5
SNAPSHOT_NOTE_CHARS = 200
# A board more than this many versions behind gets a whole snapshot instead of a delta.
LOG_VERSIONS = 500
DELTA = "attendance.delta"


def bound_issues(row: dict) -> dict:
    """A snapshot's size is bounded: each row shows its latest issues, notes cut short, and how
    many more there are (the attendance API lists them all)."""
    issues = row["issues"]
    row["issues_more"] = max(len(issues) - SNAPSHOT_ISSUES, 0)
    row["issues"] = [{**issue, "note": issue["note"][:SNAPSHOT_NOTE_CHARS]} for issue in issues[-SNAPSHOT_ISSUES:]]
    return row


def dumps(data: dict) -> str:
    # Compact and ASCII (names as \u escapes): the same text goes to many subscribers, and
    # encoding an ASCII string is a plain copy.
    return json.dumps(data, separators=(",", ":"))


@dataclass
class Read:
    """A board (or the rows of some of its endpoints) as read from the database."""

    header: dict[str, Any]  # the snapshot's fields other than the rows and totals
    rows: dict[int, EndpointAttendance]
    names: dict[str, str]
    deleted: bool = False
    # Each row as a board shows it, rendered in the reading thread (not on the event loop).
    shown: dict[int, dict] = field(default_factory=dict)


def read_board(meeting_id: int, *, unit_id: int | None, endpoint_ids: list[int] | None = None) -> Read:
    """The feed's part of the meeting (the unit's subtree), or only these endpoints of it."""
    meeting = Meeting.objects.select_related("host").filter(pk=meeting_id).first()
    if meeting is None:
        return Read(header={"type": "attendance", "meeting": meeting_id}, rows={}, names={}, deleted=True)
    unit = Unit.objects.filter(pk=unit_id).first() if unit_id else None
    only: Any = endpoints_within(unit)
    if endpoint_ids is not None:
        chosen = Endpoint.objects.filter(pk__in=endpoint_ids)
        only = (chosen if only is None else chosen.filter(pk__in=only)).values("pk")
    board = meeting_attendance(meeting, now=clock.now(), only=only)
    # The header alone: the rows are rendered once, below, and the totals by the feed.
    header = MeetingAttendanceSerializer(MeetingAttendance(meeting=meeting, now=board.now, endpoints=[])).data
    for key in ("endpoints", "totals", "provinces"):
        header.pop(key, None)
    render = EndpointAttendanceSerializer().to_representation
    return Read(
        header=dict(header),
        rows={r.endpoint: r for r in board.endpoints},
        names=board.province_names,
        shown={r.endpoint: bound_issues(render(r)) for r in board.endpoints},
    )


def row_order(row: EndpointAttendance) -> tuple:
    # The order of rooms.selectors.attendance.meeting_participations: host, unit code, name.
    return (not row.is_host, row.unit, row.name, row.endpoint)


@dataclass
class BoardState:
    version: int = 0
    floor: int = 0  # the log covers the versions after this one
    header: dict[str, Any] = field(default_factory=dict)
    deleted: bool = False
    rows: dict[int, EndpointAttendance] = field(default_factory=dict)
    shown: dict[int, dict] = field(default_factory=dict)  # each row as a board shows it
    names: dict[str, str] = field(default_factory=dict)
    totals: dict[str, Any] = field(default_factory=dict)
    provinces: dict[str, dict] = field(default_factory=dict)
    log: deque = field(default_factory=deque)  # (version, endpoint ids, province codes)
    texts: dict[int | None, str] = field(default_factory=dict)  # messages of this version, by `since`

    def apply_whole(self, read: Read) -> None:
        """A whole board read again: record the rows that differ from what the feed had."""
        shown = read.shown
        changed = {pk for pk in shown.keys() | self.shown.keys() if shown.get(pk) != self.shown.get(pk)}
        touched = self.provinces_of(changed, read.rows)
        self.rows, self.shown, self.names = read.rows, shown, read.names
        self.header, self.deleted = read.header, read.deleted
        self.record(changed, touched)

    def apply_some(self, read: Read, endpoint_ids: set[int]) -> None:
        """Some endpoints read again; those missing from the read left the board (withdrawn)."""
        if read.deleted:
            self.apply_whole(read)
            return
        touched = self.provinces_of(endpoint_ids, read.rows)
        for pk in endpoint_ids:
            if pk in read.rows:
                self.rows[pk] = read.rows[pk]
                self.shown[pk] = read.shown[pk]
            else:
                self.rows.pop(pk, None)
                self.shown.pop(pk, None)
        self.names.update(read.names)
        self.header = read.header
        self.record(endpoint_ids, touched)

    def provinces_of(self, endpoint_ids: set[int], new: dict[int, EndpointAttendance]) -> set[str]:
        return {r.province for pk in endpoint_ids for r in (self.rows.get(pk), new.get(pk)) if r is not None}

    def record(self, endpoint_ids: set[int], provinces: set[str]) -> None:
        self.version += 1
        self.log.append((self.version, frozenset(endpoint_ids), frozenset(provinces)))
        while len(self.log) > LOG_VERSIONS:
            self.floor = self.log.popleft()[0]
        self.totals = asdict(totals_of([row.derived for row in self.rows.values()]))
        self.provinces = {line["province"]: line for line in province_totals(self.rows.values(), self.names)}
        self.texts = {}

    def message_since(self, since: int | None) -> str | None:
        """What a board that got version `since` needs now (None: the whole snapshot)."""
        if since is not None and since >= self.version:
            return None
        key = None if since is None or since < self.floor or self.deleted else since
        if key not in self.texts:
            self.texts[key] = self.snapshot() if key is None else self.delta(key)
        return self.texts[key]

    def empty_province(self, code: str) -> dict:
        """The line of a province whose last room left the board."""
        return {"province": code, "name": self.names.get(code, ""), **asdict(totals_of([]))}

    def snapshot(self) -> str:
        if self.deleted:
            return dumps({**self.header, "endpoints": [], "deleted": True})
        rows = [self.shown[row.endpoint] for row in sorted(self.rows.values(), key=row_order)]
        return dumps(
            {**self.header, "endpoints": rows, "totals": self.totals, "provinces": list(self.provinces.values())}
        )

    def delta(self, since: int) -> str:
        endpoint_ids: set[int] = set()
        provinces: set[str] = set()
        for version, ids, codes in self.log:
            if version > since:
                endpoint_ids |= ids
                provinces |= codes
        body = {
            "type": DELTA,
            "meeting": self.header.get("meeting"),
            "status": self.header.get("status"),
            "generated_at": self.header.get("generated_at"),
            "endpoints": [self.shown[pk] for pk in sorted(endpoint_ids) if pk in self.shown],
            "removed": sorted(pk for pk in endpoint_ids if pk not in self.shown),
            "totals": self.totals,
            "provinces": [self.provinces.get(code) or self.empty_province(code) for code in sorted(provinces)],
        }
        return dumps(body)
