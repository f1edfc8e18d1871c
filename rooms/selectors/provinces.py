"""The province of a unit: one rule for every caller (days off, province settings, capacity).

A unit's province is the unit itself when it is one, else its nearest ancestor at level
province; the country (VN) and anything above the provinces have none."""

from rooms.models import Level, Unit


def province_of_unit(unit: Unit | None) -> Unit | None:
    """The province this unit lies in (itself for a province); None for the country or no unit.
    Follows `parent` (three steps at most: commune > district > province)."""
    while unit is not None and unit.level not in (Level.PROVINCE, Level.COUNTRY):
        unit = unit.parent
    return unit if unit is not None and unit.level == Level.PROVINCE else None


def province_code_of_unit(unit: Unit | None) -> str:
    """The code of the province this unit lies in ("" for the country or no unit)."""
    province = province_of_unit(unit)
    return province.code if province is not None else ""
