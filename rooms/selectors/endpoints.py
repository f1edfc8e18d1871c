"""Reads about endpoints: distances to the host, status history as of a date, page querysets."""

import datetime as dt
import math
from collections.abc import Collection, Iterable
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from rooms.models import Endpoint, Level, ProvinceSettings, StatusChange, Unit
from rooms.services.units import province_successor
from vconf.folding import matching

EARTH_RADIUS_KM = 6371.0088
# Endpoint ids per query: under the backend's limit on bound parameters (999 on SQLite).
CHUNK = 5000


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    size = min(CHUNK, (connection.features.max_query_params or CHUNK) - 10)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


class Distance(NamedTuple):
    km: float | None
    estimated: bool
    # "road" (entered), "host" (from the province's host endpoint), "province" (no host
    # configured: from the province's own location, its People's Committee), None (unknown).
    basis: str | None


UNKNOWN = Distance(None, False, None)


def distances_for(endpoint_ids: Iterable[int]) -> dict[int, tuple[float | None, bool]]:
    """One-way km from each endpoint to its province's host, and whether it is an estimate
    (distance_details without the basis)."""
    return {pk: (found.km, found.estimated) for pk, found in distance_details(endpoint_ids).items()}


def distance_details(endpoint_ids: Iterable[int]) -> dict[int, Distance]:
    """One-way km from each endpoint to its province's host, whether it is an estimate, and from what.

    A road distance a person entered wins. Otherwise: straight-line distance from the endpoint's
    unit (or, without coordinates, the legacy unit it served) to the host endpoint's unit, times
    the province's circuity factor, flagged as estimated. The host itself is 0 km. Without a host
    configured (a new database), from the province unit's own coordinates. Unknown: (None, False,
    None). One query per chunk of ids (989 on SQLite), one more, and one if a province has no host.
    """
    ids = sorted({int(i) for i in endpoint_ids})
    rows: list[tuple[Any, ...]] = []
    for chunk in _chunks(ids):
        rows += Endpoint.objects.filter(pk__in=chunk).values_list(
            "pk",
            "road_km",
            "unit__lat",
            "unit__lon",
            "legacy_unit__lat",
            "legacy_unit__lon",
            "unit__structure",
            # The province is at most two levels up (commune < district < province < VN).
            *("unit__code", "unit__level", "unit__parent__code", "unit__parent__level"),
            *("unit__parent__parent__code", "unit__parent__parent__level"),
        )
    rows = [(*row[:7], province_in_lineage(*row[7:])) for row in rows]
    provinces = {province for *_rest, province in rows}
    # A legacy province merged away in 2025 (Bắc Kạn) uses the settings of the one it joined.
    successors = {code: province_successor(code) for code in provinces}
    wanted = provinces | {code for code in successors.values() if code}
    hosts = {
        code: (host_id, float(factor), lat, lon)
        for code, host_id, factor, lat, lon in ProvinceSettings.objects.filter(province_code__in=wanted).values_list(
            "province_code", "host_id", "circuity_factor", "host__unit__lat", "host__unit__lon"
        )
    }
    for code, successor in successors.items():
        if code not in hosts and successor in hosts:
            hosts[code] = hosts[successor]
    default_factor = float(settings.VCONF["DEFAULT_CIRCUITY_FACTOR"])
    halls = _province_locations({code for code in provinces if hosts.get(code, (None,))[0] is None})
    result: dict[int, Distance] = {}
    for pk, road_km, lat, lon, old_lat, old_lon, structure, province in rows:
        if road_km is not None:
            result[pk] = Distance(float(road_km), False, "road")
            continue
        host_id, factor, host_lat, host_lon = hosts.get(province, (None, default_factor, None, None))
        if host_id == pk:
            result[pk] = Distance(0.0, False, "host")
            continue
        if lat is None or lon is None:
            lat, lon = old_lat, old_lon
        basis = "host"
        if host_id is None:
            host_lat, host_lon = halls.get((structure, province), (None, None))
            basis = "province"
        if lat is None or lon is None or host_lat is None or host_lon is None:
            result[pk] = UNKNOWN
            continue
        result[pk] = Distance(round(haversine_km(lat, lon, host_lat, host_lon) * factor, 1), True, basis)
    return result


def province_in_lineage(*codes_and_levels: str | None) -> str:
    """The province among a unit and its ancestors, given as (code, level) pairs from the unit up;
    without one (a central room at VN), the topmost code given."""
    pairs = list(zip(codes_and_levels[::2], codes_and_levels[1::2], strict=True))
    for code, level in pairs:
        if level == Level.PROVINCE and code:
            return code
    return next((code for code, _level in reversed(pairs) if code), "")


def _province_locations(codes: set[str]) -> dict[tuple[str, str], tuple[float | None, float | None]]:
    if not codes:
        return {}
    provinces = Unit.objects.filter(code__in=codes, level=Level.PROVINCE)
    return {
        (tree, code): (lat, lon) for tree, code, lat, lon in provinces.values_list("structure", "code", "lat", "lon")
    }


def distance_of(endpoint: Endpoint) -> Distance:
    return distance_details([endpoint.pk]).get(endpoint.pk, UNKNOWN)


def endpoints_for_api() -> QuerySet[Endpoint]:
    """Endpoints with what their API representation reads, in a fixed number of queries."""
    return Endpoint.objects.select_related("unit", "legacy_unit", "bridge").prefetch_related(
        "operators",
        "legacy_units",
        Prefetch(
            "status_changes",
            queryset=StatusChange.objects.select_related("changed_by").order_by("effective", "id"),
        ),
    )


def filter_endpoints(
    endpoints: QuerySet[Endpoint],
    *,
    status: str | None = None,
    structure: str | None = None,
    unit: Unit | None = None,
    bridge: int | None = None,
    search: str | None = None,
) -> QuerySet[Endpoint]:
    """The list filters of the API and the web page. `unit` selects that unit and everything below
    it, on its own tree or through the legacy unit an endpoint served."""
    if status:
        endpoints = endpoints.filter(status=status)
    if structure:
        endpoints = endpoints.filter(unit__structure=structure)
    if unit is not None:
        # Four levels at most: VN > province > district > commune.
        below = Q(pk=unit.pk) | Q(parent=unit) | Q(parent__parent=unit) | Q(parent__parent__parent=unit)
        units = Unit.objects.filter(below).values("pk")
        served = Endpoint.legacy_units.through.objects.filter(unit__in=units).values("endpoint_id")
        endpoints = endpoints.filter(Q(unit__in=units) | Q(legacy_unit__in=units) | Q(pk__in=served))
    if bridge is not None:
        endpoints = endpoints.filter(bridge_id=bridge)
    if search:
        endpoints = matching(endpoints, search, ["name", "unit__name", "dial_address"])
    return endpoints


def status_as_of(endpoint: Endpoint, day: dt.date) -> str | None:
    """The endpoint's rollout status on a past day (None: not yet planned then)."""
    change = endpoint.status_changes.filter(effective__lte=day).order_by("-effective", "-id").first()
    if change is not None:
        return change.status
    if not endpoint.status_changes.exists() and endpoint.status_since and endpoint.status_since <= day:
        return endpoint.status
    return None


# A refusal names at most this many rooms, then counts the rest.
NAMED_ROOMS = 3


def few_names(endpoint_ids: Collection[int]) -> str:
    """ "A, B, C và 3.300 điểm cầu khác": a short list for a refusal."""
    ids = sorted(endpoint_ids)
    names = list(Endpoint.objects.filter(pk__in=ids[:NAMED_ROOMS]).order_by("pk").values_list("name", flat=True))
    rest = len(ids) - len(names)
    if rest <= 0:
        return ", ".join(names)
    count = f"{rest:,}".replace(",", ".")  # Vietnamese thousands: 3.300
    return _("%(names)s và %(count)s điểm cầu khác") % {"names": ", ".join(names), "count": count}
