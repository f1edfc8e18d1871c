"""Storing a delivery of call records and re-deriving the legs it touched.

The receiver answers the bridge at once: it stores the raw records (one INSERT … ON CONFLICT DO
NOTHING, so a redelivery or two concurrent deliveries of the same records store them once) and
queues the call legs that got new records (PendingLeg), in one transaction. The worker then
re-derives only the legs of the remote parties those records name (rooms/cdr/tasks.py).
"""

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from rooms.cdr.addresses import normalise
from rooms.cdr.attribution import attribute
from rooms.cdr.legs import MERGE_GAP, legs_from_records
from rooms.cdr.parsing import ParsedRecord
from rooms.models import Bridge, BridgeLeg, BridgeRecord, PendingLeg
from rooms.models.endpoints import new_feed_token
from vconf.limits import MAX_MEETING

# Legs of one remote party merge when close in time; a connection lasts at most a day (the
# longest booking), so the records that can merge with a delivery's start within this margin of it.
MERGE_WINDOW = MAX_MEETING + MERGE_GAP


@dataclass(frozen=True)
class Accepted:
    received: int
    stored: int


def cascade_addresses() -> set[str]:
    """Dial addresses of every bridge: a leg to one of them is a cascade link, not a room."""
    return {normalise(a) for a in Bridge.objects.exclude(dial_address="").values_list("dial_address", flat=True)}


RECORD_COLUMNS = ("bridge", "source", "key", "leg", "kind", "remote", "at", "payload", "received_at")
# Rows per INSERT: nine parameters each, well under SQLite's 32,766 (a delivery is one statement).
INSERT_BATCH = 1000


def _insert(model: type[Model], names: Sequence[str], rows: Sequence[tuple], suffix: str = "") -> list[tuple]:
    """One multi-row INSERT per INSERT_BATCH rows (values already in the database's form), with
    `suffix` (ON CONFLICT …, RETURNING …); the rows it returned."""
    quote = connection.ops.quote_name
    column = {field.name: str(field.column) for field in model._meta.concrete_fields}
    columns = ", ".join(quote(column[name]) for name in names)
    one = "(" + ", ".join(["%s"] * len(names)) + ")"
    returned: list[tuple] = []
    with connection.cursor() as cursor:
        for first in range(0, len(rows), INSERT_BATCH):
            batch = rows[first : first + INSERT_BATCH]
            sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES {', '.join([one] * len(batch))}"
            cursor.execute(f"{sql} {suffix}", [value for row in batch for value in row])
            if "RETURNING" in suffix:
                returned += cursor.fetchall()
    return returned


def _insert_new(bridge: Bridge, source: str, records: Sequence[ParsedRecord]) -> list[str]:
    """INSERT … ON CONFLICT (bridge, key) DO NOTHING RETURNING leg: the call legs of the records
    that were new. A record the bridge has (or a concurrent delivery just stored) adds nothing."""
    ops, payload = connection.ops, BridgeRecord._meta.get_field("payload")
    received_at = ops.adapt_datetimefield_value(timezone.now())
    rows = [
        (
            bridge.pk,
            source,
            r.key,
            r.leg,
            r.kind,
            r.remote,
            ops.adapt_datetimefield_value(r.at),
            payload.get_db_prep_save(r.payload, connection),
            received_at,
        )
        for r in records
    ]
    quote = ops.quote_name
    suffix = f"ON CONFLICT ({quote('bridge_id')}, {quote('key')}) DO NOTHING RETURNING {quote('leg')}"
    return [leg for (leg,) in _insert(BridgeRecord, RECORD_COLUMNS, rows, suffix)]


def store_records(*, bridge: Bridge, source: str, records: Sequence[ParsedRecord]) -> Accepted:
    """Store the records this bridge does not have yet and queue their call legs for the worker,
    in one transaction; the worker derives the legs (rooms/cdr/tasks.py)."""
    from rooms.cdr.tasks import schedule_derivation  # the task module imports this one

    unique = list({record.key: record for record in records}.values())
    with transaction.atomic():
        new_legs = _insert_new(bridge, source, unique) if unique else []
        if new_legs:
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            queued = [(bridge.pk, leg, now) for leg in sorted(set(new_legs))]
            _insert(PendingLeg, ("bridge", "leg", "created_at"), queued)
            schedule_derivation(bridge.pk)
    return Accepted(received=len(records), stored=len(new_legs))


class StoredRecord(NamedTuple):
    """A stored record as the derivation reads it: plain values, no model instance."""

    key: str
    leg: str
    kind: str
    at: datetime
    payload: dict[str, Any]


READ = ("key", "leg", "kind", "at", "payload")


def _records_of(bridge: Bridge, legs: Collection[str]) -> list[StoredRecord]:
    rows = BridgeRecord.objects.filter(bridge=bridge, leg__in=list(legs)).values_list(*READ)
    return [StoredRecord(*row) for row in rows]


def _records_near(bridge: Bridge, legs: Iterable[str]) -> list[StoredRecord]:
    """Every record of these call legs and of the other legs of the same remote parties nearby."""
    wanted = set(legs)
    touched = list(BridgeRecord.objects.filter(bridge=bridge, leg__in=list(wanted)).values_list("remote", "at"))
    remotes = {remote for remote, _ in touched if remote}
    if not remotes:
        return _records_of(bridge, wanted)
    first, last = min(at for _, at in touched), max(at for _, at in touched)
    neighbours = BridgeRecord.objects.filter(
        bridge=bridge, remote__in=remotes, at__gte=first - MERGE_WINDOW, at__lte=last + MERGE_WINDOW
    ).values_list("leg", flat=True)
    return _records_of(bridge, wanted | set(neighbours))


def derive_legs(
    *, bridge: Bridge, legs: Iterable[str], aliases: dict[str, int] | None = None, cascade: set[str] | None = None
) -> None:
    """Re-derive the legs of these call legs and of their remote parties' legs nearby. The caller
    holds the bridge's row lock (one derivation at a time per bridge: two touching the same room
    would otherwise each replace its legs from what they saw). `aliases` and `cascade`: the alias
    table and the bridges' dial addresses, read once per worker run."""
    records = _records_near(bridge, legs)
    cascade = cascade_addresses() if cascade is None else cascade
    derived = {leg.leg: leg for leg in legs_from_records(records, cascade=cascade)}
    existing = BridgeLeg.objects.filter(bridge=bridge, leg__in={r.leg for r in records})
    # Only the legs that changed are written: a delivery re-derives its rooms' nearby legs, most
    # of which come out as they were (and keep their attribution).
    kept, stale = set(), []
    for pk, leg_id, remote, connected, disconnected in existing.values_list(
        "pk", "leg", "remote", "connected_at", "disconnected_at"
    ):
        same = derived.get(leg_id)
        if same is not None and (same.remote, same.connected_at, same.disconnected_at) == (
            remote,
            connected,
            disconnected,
        ):
            kept.add(leg_id)
        else:
            stale.append(pk)
    if stale:
        BridgeLeg.objects.filter(pk__in=stale).delete()
    rows = [
        BridgeLeg(
            bridge=bridge,
            leg=leg.leg,
            remote=leg.remote,
            connected_at=leg.connected_at,
            disconnected_at=leg.disconnected_at,
        )
        for leg in derived.values()
        if leg.leg not in kept
    ]
    attribute(rows, table=aliases)
    BridgeLeg.objects.bulk_create(rows, batch_size=2000)


@transaction.atomic
def rederive_bridge(*, bridge: Bridge) -> int:
    """Rebuild every leg of a bridge from its records (after aliases or bookings changed)."""
    Bridge.objects.select_for_update().filter(pk=bridge.pk).first()
    records = [StoredRecord(*row) for row in BridgeRecord.objects.filter(bridge=bridge).values_list(*READ)]
    BridgeLeg.objects.filter(bridge=bridge).delete()
    rows = [
        BridgeLeg(
            bridge=bridge, leg=g.leg, remote=g.remote, connected_at=g.connected_at, disconnected_at=g.disconnected_at
        )
        for g in legs_from_records(records, cascade=cascade_addresses())
    ]
    attribute(rows)
    BridgeLeg.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def rotate_cdr_token(*, bridge: Bridge) -> Bridge:
    """A new secret for the bridge's receiver URL; the old one stops working at once."""
    bridge.cdr_token = new_feed_token()
    bridge.save(update_fields=["cdr_token"])
    return bridge
