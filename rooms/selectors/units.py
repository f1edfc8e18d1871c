from collections.abc import Collection

from django.db.models import Case, F, Q, QuerySet, When

from rooms.models import Endpoint, Structure, Unit
from rooms.models.endpoints import BOOKABLE_STATUSES
from vconf.folding import fold, folded


def unit_subtree_ids(unit: Unit) -> set[int]:
    """The ids of a unit and every unit below it (at most three levels: one query per level)."""
    ids, frontier = {unit.pk}, [unit.pk]
    while frontier:
        frontier = list(Unit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.update(frontier)
    return ids


def endpoints_under_units(units: list[Unit]) -> QuerySet[Endpoint]:
    """Endpoints located in these units or below them, on either tree (a current-tree endpoint
    counts under the legacy district of every legacy commune it serves)."""
    ids: set[int] = set()
    for unit in units:
        ids |= unit_subtree_ids(unit)
    served = Endpoint.legacy_units.through.objects.filter(unit_id__in=ids).values("endpoint_id")
    return Endpoint.objects.filter(Q(unit_id__in=ids) | Q(legacy_unit_id__in=ids) | Q(pk__in=served))


def search_units(units: QuerySet[Unit], *, search: str) -> QuerySet[Unit]:
    """Units whose name contains the term (ignoring case and accents) or whose code starts with it."""
    term = fold(search.strip())
    return units.alias(_folded_name=folded("name")).filter(Q(_folded_name__contains=term) | Q(code__startswith=term))


def endpoints_on_tree(endpoints: QuerySet[Endpoint], *, structure: str) -> QuerySet[Endpoint]:
    """These endpoints placed on one tree, each with `tree_unit_id`: its own unit when that unit
    is on the tree, otherwise (a room of today's commune on the legacy tree) the former commune or
    district it serves. Staff still book "every commune of the former Cao Lộc district"."""
    on_tree = Q(unit__structure=structure)
    if structure == Structure.LEGACY:
        on_tree |= Q(legacy_unit__structure=structure)
    return endpoints.filter(on_tree).annotate(
        tree_unit_id=Case(When(unit__structure=structure, then=F("unit_id")), default=F("legacy_unit_id"))
    )


def served_placements(endpoints: QuerySet[Endpoint], *, structure: str) -> list[tuple[int, int]]:
    """(endpoint id, legacy unit id) for every legacy unit a current room serves besides the one
    endpoints_on_tree places it under: on the legacy tree a room of today's commune that absorbed
    communes of two former districts is listed (and ticked) under both. Distinct pairs only."""
    if structure != Structure.LEGACY:
        return []
    through = Endpoint.legacy_units.through.objects.filter(
        endpoint__in=endpoints.exclude(unit__structure=structure).values("pk")
    ).exclude(endpoint__legacy_unit=F("unit"))
    return list(through.values_list("endpoint_id", "unit_id").distinct().order_by("endpoint_id", "unit_id"))


def selectable_units(*, structure: str, home: Unit | None, in_scope: Collection[int]) -> set[int] | None:
    """The units of a tree a user may tick as a whole (None: every unit). On the user's own tree:
    their home unit's subtree. On the other tree: the units with no bookable room outside the
    user's scope below them, so a ticked former district never books someone else's room."""
    if home is None:
        return None
    if home.structure == structure:
        return unit_subtree_ids(home)
    parents = dict(Unit.objects.filter(structure=structure).values_list("pk", "parent_id"))
    bookable = Endpoint.objects.filter(status__in=BOOKABLE_STATUSES)
    rooms = endpoints_on_tree(bookable, structure=structure)
    blocked: set[int] = set()
    # tree_unit_id is endpoints_on_tree's annotation, which the type plugin cannot see.
    placed = list(rooms.values_list("pk", "tree_unit_id"))  # type: ignore[misc]
    for pk, unit_id in placed + served_placements(bookable, structure=structure):
        while unit_id is not None and pk not in in_scope and unit_id not in blocked:
            blocked.add(unit_id)
            unit_id = parents.get(unit_id)
    return set(parents) - blocked
