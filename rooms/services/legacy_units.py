"""Which legacy communes a current room serves (Endpoint.legacy_units).

A commune of the current tree absorbed about three legacy communes on 1 July 2025; its room
serves every one of them, and legacy-tree coverage counts each (API.md "The national network").
Unless a person names them, they come from the unit data's absorbed links (Unit.absorbed).
`legacy_unit` stays as the first of them, for the readers that take one.
"""

from collections.abc import Collection

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from rooms.models import Endpoint, Structure, Unit


def absorbed_units(unit: Unit) -> list[Unit]:
    """The legacy units a current-tree unit absorbed, by code (none for a legacy unit)."""
    if unit.structure != Structure.CURRENT or unit.pk is None:
        return []
    return list(unit.absorbed.filter(structure=Structure.LEGACY).order_by("code"))


def served_legacy_units(
    *, unit: Unit, legacy_unit: Unit | None, legacy_units: Collection[Unit] | None
) -> tuple[Unit | None, list[Unit]]:
    """(legacy_unit, legacy_units) of a room: what was named, else what its unit absorbed."""
    if legacy_units is not None:
        units = sorted(set(legacy_units), key=lambda u: u.code)
        if legacy_unit is not None and legacy_unit not in units:
            units.insert(0, legacy_unit)
        if any(u.structure != Structure.LEGACY for u in units):
            raise ValidationError({"legacy_units": [_("Đơn vị cũ phải thuộc cây trước 7/2025.")]})
        return (legacy_unit or (units[0] if units else None)), units
    if legacy_unit is not None:
        return legacy_unit, [legacy_unit]
    units = absorbed_units(unit)
    return (units[0] if units else None), units


def set_legacy_units(endpoint: Endpoint, units: Collection[Unit]) -> None:
    endpoint.legacy_units.set(list(units))
