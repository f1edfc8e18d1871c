"""Which units are islands or special zones (đặc khu): their rooms are not reached by road, so
savings need an entered distance and travel mode for them, never a road estimate (Unit.island)."""

from collections.abc import Iterable
from typing import Protocol

# Since 1 July 2025 every special zone is an island one; before, these were island districts.
SPECIAL_ZONE_PREFIX = "đặc khu"
ISLAND_DISTRICTS = {
    "bạch long vĩ",
    "cát hải",
    "côn đảo",
    "cô tô",
    "cồn cỏ",
    "hoàng sa",
    "kiên hải",
    "lý sơn",
    "phú quốc",
    "phú quý",
    "trường sa",
    "vân đồn",
}
DISTRICT_PREFIXES = ("huyện đảo ", "huyện ", "thành phố ")


class Named(Protocol):
    """A unit row being loaded (rooms.services.units.UnitRow)."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def level(self) -> str: ...
    @property
    def parent(self) -> str | None: ...


def is_island_name(name: str, level: str) -> bool:
    lowered = name.strip().lower()
    if lowered.startswith(SPECIAL_ZONE_PREFIX):
        return True
    if level != "district":
        return False
    for prefix in DISTRICT_PREFIXES:
        if lowered.startswith(prefix):
            return lowered[len(prefix) :] in ISLAND_DISTRICTS
    return False


def island_codes(rows: Iterable[Named]) -> set[str]:
    """The codes of the special zones and island districts among these rows of one tree, and of
    the communes of those districts."""
    rows = list(rows)
    islands = {row.code for row in rows if is_island_name(row.name, row.level)}
    return islands | {row.code for row in rows if row.parent in islands}
