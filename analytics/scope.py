"""What part of the figures a reader may see: the reports follow the home-unit scope of the
attendance API and the booking pages (rooms/permissions.py).

Administrators, readers without a home unit and the command line (no user) see everything. A
province-level reader sees the province on both trees (history and today); a district or
commune reader, their home unit's subtree.
"""

import numpy as np
import pandas as pd
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from rooms.models import Level, ProvinceSettings, Structure, Unit
from rooms.permissions import User, endpoints_in_scope, home_unit, is_administrator


def visible_endpoints(user: User | None, places: pd.DataFrame) -> np.ndarray | None:
    """The endpoints whose figures this user may see (None: all). places: endpoint, province_code."""
    if user is None or is_administrator(user):
        return None
    unit = home_unit(user)
    if unit is None:
        return None
    if unit.level == Level.PROVINCE:
        return places.loc[places["province_code"] == unit.code, "endpoint"].to_numpy(dtype="int64")
    return np.fromiter(endpoints_in_scope(user).values_list("pk", flat=True), dtype="int64")


def seen_provinces(user: User | None) -> set[str] | None:
    """The provinces whose figures this user sees whole, the same scope as visible_endpoints:
    None for every province, the home province for a province-level reader; a district or commune
    reader sees part of one only, so LookupError."""
    if user is None or is_administrator(user) or (unit := home_unit(user)) is None:
        return None
    if unit.level != Level.PROVINCE:
        raise LookupError(unit.code)
    return {unit.code}


def province_of(user: User | None) -> str | None:
    """The province a user's home unit belongs to (None: no home unit, sees every province)."""
    unit = home_unit(user) if user is not None else None
    while unit is not None and unit.level != Level.PROVINCE:
        unit = unit.parent
    return unit.code if unit is not None else None


def default_province(user: User | None) -> str | None:
    """The province a report shows when none is asked for: the reader's own; for a reader without
    one (or the command line), the whole country (None) once more than one province is loaded,
    else the one province of the deployment."""
    code = province_of(user)
    if code:
        return code
    current = list(
        Unit.objects.filter(structure=Structure.CURRENT, level=Level.PROVINCE).values_list("code", flat=True)[:2]
    )
    if len(current) > 1:
        return None
    configured = ProvinceSettings.objects.order_by("province_code").values_list("province_code", flat=True).first()
    fallback = Unit.objects.filter(level=Level.PROVINCE).order_by("structure", "code").values_list("code", flat=True)
    return configured or (current[0] if current else fallback.first())


def sees_province(user: User | None, province: str | None) -> bool:
    """Whether the user may read province-wide totals of this province (None: every province)."""
    if user is None or is_administrator(user):
        return True
    unit = home_unit(user)
    if unit is None:
        return True
    return unit.level == Level.PROVINCE and province == unit.code


def check_sees_province(user: User | None, province: str | None) -> None:
    """Payback weighs a whole province's savings against its investment: a reader below the
    province, or of another province, would read figures outside their scope."""
    if not sees_province(user, province):
        raise PermissionDenied(_("Số liệu hoàn vốn là của cả tỉnh, ngoài phạm vi đơn vị của bạn."))
