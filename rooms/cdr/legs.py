"""Call legs derived from a bridge's raw records: one pure function, no database, no clock.

A leg is one room's connection: who (the remote party, normalised), connected, disconnected (None
while it lasts). The same records in any order, delivered any number of times, give the same
legs. What is not a room's attendance is left out:

- legs that never connected (a call that rang out or was refused);
- cascade legs between bridges: CMS marks them (`subType` distributionLink), and a remote party
  that is a bridge's own dial address is one;
- streaming and recording legs (CMS subType, Pexip `is_streaming`).

Reconnects merge: legs of one remote party less than MERGE_GAP apart are one leg.
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from rooms.cdr.addresses import normalise

MERGE_GAP = timedelta(minutes=2)
STARTS = {"callLegStart", "participant_connected", "csv"}
LEG_KINDS = {"callLegStart", "callLegUpdate", "callLegEnd", "participant_connected", "participant_updated"}
LEG_KINDS |= {"participant_disconnected", "csv"}
# Within one instant: a start before its update before its end, whatever order they arrived in.
KIND_ORDER = {"callLegStart": 0, "participant_connected": 0, "csv": 0, "callLegUpdate": 1, "participant_updated": 1}
NOT_ROOMS = {"distributionlink", "recording", "recorder", "streaming", "streamer"}


class RawRecord(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def leg(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def payload(self) -> dict[str, Any]: ...


@dataclass(frozen=True, order=True)
class Leg:
    connected_at: datetime
    remote: str
    leg: str
    disconnected_at: datetime | None


def remote_of(kind: str, payload: dict[str, Any]) -> str:
    """The normalised remote party a record names ("" when it names none)."""
    if kind == "callLegStart":
        address = payload.get("remoteAddress") or payload.get("remoteParty") or ""
    elif kind == "participant_connected":
        outgoing = payload.get("call_direction") == "out"
        address = payload.get("destination_alias" if outgoing else "source_alias") or payload.get("remote_address")
    elif kind == "csv":
        address = payload.get("remote_address")
    else:
        return ""
    return normalise(str(address or ""))


def _not_a_room(start: RawRecord, remote: str, cascade: Collection[str]) -> bool:
    payload = start.payload
    marks = {str(payload.get("subType", "")).lower(), str(payload.get("type", "")).lower()}
    streaming = payload.get("is_streaming") is True or str(payload.get("service_type", "")).lower() == "streaming"
    return not remote or remote in cascade or bool(marks & NOT_ROOMS) or streaming


def _seconds(value: object) -> float:
    try:
        return max(float(str(value)), 0.0)
    except ValueError:
        return 0.0


def _span(records: list[RawRecord], cascade: Collection[str]) -> Leg | None:
    """One call leg's records (sorted) → its leg, or None when it is not a room's attendance."""
    start = next((r for r in records if r.kind in STARTS), None)
    if start is None:
        return None  # its start has not arrived yet: the leg appears when it does
    remote = remote_of(start.kind, start.payload)
    if _not_a_room(start, remote, cascade):
        return None
    connected: datetime | None = start.at if start.kind != "callLegStart" else None
    ended: datetime | None = None
    for record in records:
        if record.kind == "callLegUpdate" and record.payload.get("state") == "connected" and connected is None:
            connected = record.at
        elif record.kind in ("callLegEnd", "participant_disconnected"):
            ended = record.at if ended is None else min(ended, record.at)
            seconds = _seconds(record.payload.get("durationSeconds") or record.payload.get("duration"))
            if connected is None and seconds > 0:
                connected = record.at - timedelta(seconds=seconds)
    if start.kind == "csv":
        connected = datetime.fromisoformat(start.payload["connected_at"])
        ended = datetime.fromisoformat(start.payload["disconnected_at"])
    if connected is None:
        return None  # it never connected
    return Leg(
        connected_at=connected, remote=remote, leg=start.leg, disconnected_at=max(ended, connected) if ended else None
    )


def _merged(legs: list[Leg]) -> list[Leg]:
    by_remote: dict[str, list[Leg]] = {}
    for leg in legs:
        by_remote.setdefault(leg.remote, []).append(leg)
    merged = []
    for group in by_remote.values():
        group.sort()
        current = group[0]
        for leg in group[1:]:
            if current.disconnected_at is None or leg.connected_at <= current.disconnected_at + MERGE_GAP:
                ends = [current.disconnected_at, leg.disconnected_at]
                until = None if None in ends else max(e for e in ends if e is not None)
                current = Leg(current.connected_at, current.remote, current.leg, until)
            else:
                merged.append(current)
                current = leg
        merged.append(current)
    return sorted(merged)


def _order(record: RawRecord) -> tuple:
    return (record.at, KIND_ORDER.get(record.kind, 2), record.key)


def legs_from_records(records: Iterable[RawRecord], *, cascade: Collection[str] = frozenset()) -> list[Leg]:
    """The legs these records describe; `cascade`: normalised dial addresses of the bridges."""
    by_leg: dict[str, dict[str, RawRecord]] = {}
    for record in records:
        if record.kind in LEG_KINDS:
            by_leg.setdefault(record.leg, {})[record.key] = record
    spans = (_span(sorted(found.values(), key=_order), cascade) for found in by_leg.values())
    return _merged([leg for leg in spans if leg is not None])
