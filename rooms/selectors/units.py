from django.db.models import Q, QuerySet

from rooms.models import Endpoint, Unit


def unit_subtree_ids(unit: Unit) -> set[int]:
    """The ids of a unit and every unit below it (at most three levels: one query per level)."""
    ids, frontier = {unit.pk}, [unit.pk]
    while frontier:
        frontier = list(Unit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.update(frontier)
    return ids


def endpoints_under_units(units: list[Unit]) -> QuerySet[Endpoint]:
    """Endpoints located in these units or below them, on either tree (a current-tree endpoint
    counts under the legacy district its commune came from)."""
    ids: set[int] = set()
    for unit in units:
        ids |= unit_subtree_ids(unit)
    return Endpoint.objects.filter(Q(unit_id__in=ids) | Q(legacy_unit_id__in=ids))
