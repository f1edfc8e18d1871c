"""The week calendar's room filter at national size.

It lists only the rooms in the reader's scope (rooms.permissions.endpoints_in_scope), grouped by
province. Beyond ROOM_LIST_LIMIT rooms it lists none and asks for a province or a search (?q=)
instead: a national administrator's page would otherwise carry some 10,000 options.
"""

from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from rooms.models import Endpoint, Level, Unit
from rooms.models.endpoints import BOOKABLE_STATUSES
from rooms.permissions import endpoints_in_scope, home_unit, is_administrator
from rooms.selectors.provinces import province_of_unit
from rooms.selectors.units import endpoints_under_units, unit_subtree_ids
from vconf.folding import fold, folded

# More rooms than this and the filter asks to narrow first.
ROOM_LIST_LIMIT = 400


@dataclass
class RoomFilter:
    groups: list[tuple[str, list[Endpoint]]] = field(default_factory=list)  # (province name, rooms)
    provinces: list[Unit] = field(default_factory=list)  # the provinces the reader may pick
    province: Unit | None = None
    q: str = ""
    count: int = 0
    narrow_first: bool = False  # too many rooms: ask for a province or a search


def provinces_of_reader(user: User) -> list[Unit]:
    """The provinces in the reader's scope: every one for administrators and readers without a
    home unit, else the home unit's province (or the provinces under a national home unit)."""
    home = home_unit(user)
    provinces = Unit.objects.filter(level=Level.PROVINCE).order_by("structure", "code")
    if is_administrator(user) or home is None:
        return list(provinces)
    own = province_of_unit(home)
    return [own] if own is not None else list(provinces.filter(pk__in=unit_subtree_ids(home)))


def rooms_matching(user: User, *, province: Unit | None, q: str) -> QuerySet[Endpoint]:
    rooms = endpoints_in_scope(user).filter(status__in=BOOKABLE_STATUSES)
    if province is not None:
        rooms = rooms.filter(pk__in=endpoints_under_units([province]).values("pk"))
    if q:
        rooms = rooms.alias(_folded=folded("name")).filter(_folded__contains=fold(q))
    return rooms


def grouped_by_province(rooms: list[Endpoint]) -> list[tuple[str, list[Endpoint]]]:
    groups: dict[str, list[Endpoint]] = {}
    for room in rooms:
        province = province_of_unit(room.unit)
        groups.setdefault(province.name if province else _("Toàn quốc"), []).append(room)
    return sorted(groups.items())


def room_filter(request: HttpRequest, *, selected: Endpoint | None = None) -> RoomFilter:
    """The calendar's room filter for this reader and the page's ?province= and ?q=."""
    user = request.user
    assert isinstance(user, User)  # login_required
    provinces = provinces_of_reader(user)
    wanted = request.GET.get("province") or ""
    province = next((p for p in provinces if str(p.pk) == wanted), None)
    q = " ".join(request.GET.get("q", "").split())[:100]
    rooms = rooms_matching(user, province=province, q=q)
    count = rooms.count()
    result = RoomFilter(provinces=provinces, province=province, q=q, count=count)
    if count > ROOM_LIST_LIMIT:
        result.narrow_first = True
        listed = [selected] if selected is not None else []
    else:
        listed = list(rooms.select_related("unit__parent__parent").order_by("name", "pk"))
        if selected is not None and selected.pk not in {r.pk for r in listed}:
            listed.append(selected)
    result.groups = grouped_by_province(listed)
    return result
