"""Which room a leg is, and which booking of that room it belongs to.

The room: the endpoint whose dial address or one of whose aliases is the leg's remote party
(normalised). The booking: that room's live participation whose [start, end) overlaps the leg (a
room is in one meeting at a time); when a leg spans two back-to-back bookings, the one it overlaps
most. A leg outside every booking keeps no participation: it is kept, attributed to no meeting.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

from rooms.cdr.addresses import alias_table, endpoint_of
from rooms.models import BridgeLeg, Endpoint, Participation

# A leg still connected counts as lasting this long for finding its booking.
OPEN_LEG = timedelta(hours=1)


def _end(leg: BridgeLeg) -> datetime:
    return leg.disconnected_at or leg.connected_at + OPEN_LEG


def endpoint_aliases() -> dict[str, int]:
    return alias_table(Endpoint.objects.values_list("id", "dial_address", "aliases"))


def attribute(legs: Sequence[BridgeLeg], *, table: dict[str, int] | None = None) -> None:
    """Set endpoint and participation on these (unsaved) legs: two queries whatever their number
    (one when the caller passes the alias table it already read)."""
    if not legs:
        return
    table = endpoint_aliases() if table is None else table
    for leg in legs:
        leg.endpoint_id = endpoint_of(leg.remote, table)
    rooms = {leg.endpoint_id for leg in legs if leg.endpoint_id}
    if not rooms:
        return
    first, last = min(leg.connected_at for leg in legs), max(_end(leg) for leg in legs)
    bookings: dict[int, list[tuple[datetime, datetime, int]]] = {}
    rows = Participation.objects.filter(endpoint_id__in=rooms, active=True, start__lt=last, end__gt=first)
    for endpoint_id, start, end, pk in rows.values_list("endpoint_id", "start", "end", "pk"):
        bookings.setdefault(endpoint_id, []).append((start, end, pk))
    for leg in legs:
        best, overlap = None, timedelta(0)
        for start, end, pk in bookings.get(leg.endpoint_id or 0, []):
            shared = min(end, _end(leg)) - max(start, leg.connected_at)
            if shared > overlap:
                best, overlap = pk, shared
        leg.participation_id = best
