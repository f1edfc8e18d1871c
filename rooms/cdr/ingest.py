"""Storing a delivery of call records and re-deriving the legs it touched.

The receiver answers the bridge at once: it stores the raw records (one INSERT, duplicates ignored
by the unique constraint, so two concurrent deliveries of the same records store them once) and
re-derives only the legs of the remote parties those records name, a few indexed queries.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction

from rooms.cdr.addresses import normalise
from rooms.cdr.attribution import attribute
from rooms.cdr.legs import MERGE_GAP, legs_from_records
from rooms.cdr.parsing import ParsedRecord
from rooms.models import Bridge, BridgeLeg, BridgeRecord
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


@transaction.atomic
def store_records(*, bridge: Bridge, source: str, records: Sequence[ParsedRecord]) -> Accepted:
    """Store the records this bridge does not have yet, then re-derive the legs they touch."""
    unique = {record.key: record for record in records}
    known = set(BridgeRecord.objects.filter(bridge=bridge, key__in=list(unique)).values_list("key", flat=True))
    new = [record for key, record in unique.items() if key not in known]
    BridgeRecord.objects.bulk_create(
        [
            BridgeRecord(
                bridge=bridge,
                source=source,
                key=r.key,
                leg=r.leg,
                kind=r.kind,
                remote=r.remote,
                at=r.at,
                payload=r.payload,
            )
            for r in new
        ],
        ignore_conflicts=True,  # a concurrent delivery of the same record stored it first
        batch_size=2000,
    )
    if new:
        derive_legs(bridge=bridge, legs={r.leg for r in new})
    return Accepted(received=len(records), stored=len(new))


def _records_near(bridge: Bridge, legs: Iterable[str]) -> list[BridgeRecord]:
    """Every record of these call legs and of the other legs of the same remote parties nearby."""
    touched = list(BridgeRecord.objects.filter(bridge=bridge, leg__in=list(legs)).only("leg", "remote", "at"))
    remotes = {r.remote for r in touched if r.remote}
    if not remotes:
        return list(BridgeRecord.objects.filter(bridge=bridge, leg__in=[r.leg for r in touched]))
    first, last = min(r.at for r in touched), max(r.at for r in touched)
    neighbours = BridgeRecord.objects.filter(
        bridge=bridge, remote__in=remotes, at__gte=first - MERGE_WINDOW, at__lte=last + MERGE_WINDOW
    ).values_list("leg", flat=True)
    every_leg = {r.leg for r in touched} | set(neighbours)
    return list(
        BridgeRecord.objects.filter(bridge=bridge, leg__in=list(every_leg)).only("key", "leg", "kind", "at", "payload")
    )


def derive_legs(*, bridge: Bridge, legs: Iterable[str]) -> None:
    # One derivation at a time per bridge: two deliveries touching the same room would otherwise
    # each replace its legs from what they saw and one would lose the other's records.
    Bridge.objects.select_for_update().filter(pk=bridge.pk).first()
    records = _records_near(bridge, legs)
    derived = {leg.leg: leg for leg in legs_from_records(records, cascade=cascade_addresses())}
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
    attribute(rows)
    BridgeLeg.objects.bulk_create(rows, batch_size=2000)


@transaction.atomic
def rederive_bridge(*, bridge: Bridge) -> int:
    """Rebuild every leg of a bridge from its records (after aliases or bookings changed)."""
    Bridge.objects.select_for_update().filter(pk=bridge.pk).first()
    records = list(BridgeRecord.objects.filter(bridge=bridge).only("key", "leg", "kind", "at", "payload"))
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
