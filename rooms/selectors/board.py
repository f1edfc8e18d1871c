"""The national board's read side: which province a room belongs to, totals per province, and
which part of a meeting a board shows (a unit's subtree).

Small plain functions over the rows rooms/selectors/attendance.py builds, so that the API, the
live board page and the WebSocket (whole snapshots and deltas) group and narrow alike.
"""

from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from rooms.models import Level, Unit
from rooms.selectors.units import endpoints_under_units

if TYPE_CHECKING:
    from rooms.selectors.attendance import EndpointAttendance

# An endpoint's unit and its ancestors up to the province: commune > (district >) province > VN.
LINEAGE = ("endpoint__unit_id", "endpoint__unit__parent_id", "endpoint__unit__parent__parent_id")
# The levels a board groups by: each province, and the country for the central rooms.
GROUP_LEVELS = (Level.PROVINCE, Level.COUNTRY)


def province_codes() -> dict[int, tuple[str, str]]:
    """{unit id: (code, name)} of every province and of the country (a few dozen rows)."""
    rows = Unit.objects.filter(level__in=GROUP_LEVELS).values_list("pk", "code", "name")
    return {pk: (code, name) for pk, code, name in rows}


def province_of(lineage: Sequence[int | None], provinces: dict[int, tuple[str, str]]) -> str:
    """The code of the nearest province (or country) among a unit and its ancestors."""
    for unit_id in lineage:
        if unit_id in provinces:
            return provinces[unit_id][0]
    return ""


def province_totals(rows: "Iterable[EndpointAttendance]", names: dict[str, str]) -> list[dict[str, Any]]:
    """One line per province, in code order: {province, name, endpoints, attended, connected, ...}
    with the same figures as the board's totals."""
    from rooms.selectors.attendance import totals_of

    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(row.province, []).append(row.derived)
    return [
        {"province": code, "name": names.get(code, ""), **asdict(totals_of(derived))}
        for code, derived in sorted(groups.items())
    ]


def endpoints_within(unit: Unit | None) -> QuerySet | None:
    """The endpoint ids a board narrowed to this unit shows (None: no narrowing, for a root)."""
    if unit is None or unit.parent_id is None:
        return None
    return endpoints_under_units([unit]).values("pk")


def is_within(unit: Unit, ancestor: Unit) -> bool:
    """Is `unit` the ancestor or below it (the tree is at most four levels deep)?"""
    current: Unit | None = unit
    for _ in range(5):
        if current is None:
            return False
        if current.pk == ancestor.pk:
            return True
        current = current.parent
    return False


def unit_by_code(code: str) -> Unit | None:
    """The unit of a board's `?unit=` code: today's tree first, then the legacy one."""
    for structure in ("current", "legacy"):
        unit = Unit.objects.filter(structure=structure, code=code).select_related("parent__parent__parent").first()
        if unit is not None:
            return unit
    return None
