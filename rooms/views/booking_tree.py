"""The booking form's unit tree and host picker at any size: a province's 65 communes are shown
whole, the country's 3,321 come collapsed by province (each province ticked in one box, opened on
demand: by a fragment the page's script fetches, or by posting the form back without it).

Both pages that show the tree (booking, reschedule) and the two small views that serve the
script (one province's subtree, the host search) read it here.
"""

import copy
from collections.abc import Collection

from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from rooms.models import Endpoint, Level, ProvinceSettings, Role, Unit
from rooms.models.endpoints import BOOKABLE_STATUSES
from rooms.permissions import User, endpoints_in_scope, has_role, home_unit, is_administrator
from rooms.selectors.meetings import TreeNode, booking_tree
from rooms.selectors.units import endpoints_on_tree, selectable_units, served_placements
from vconf.folding import matching
from vconf.params import ids_in

# Beyond this many bookable rooms in a user's scope, the tree comes collapsed by province and the
# host list offers only the halls (provinces, the Government) plus a search: a national office's
# form inlined 3,403 host options and 3,321 checkboxes (1.2 MB) before.
LARGE_TREE = 400
HOST_SEARCH_RESULTS = 20


def bookable_in_scope(user: User) -> QuerySet[Endpoint]:
    unit = home_unit(user)
    # The country's office may book every room: the same answer as endpoints_in_scope, without a
    # filter on the 3,400 ids of its subtree (a second to build, on each of the page's queries).
    rooms = Endpoint.objects.all() if unit is not None and unit.level == Level.COUNTRY else endpoints_in_scope(user)
    return rooms.filter(status__in=BOOKABLE_STATUSES)


def unit_tree(
    *,
    user: User,
    structure: str,
    checked_endpoints: set[int],
    checked_units: set[int] | None = None,
    opened: Collection[int] = (),
) -> list[TreeNode]:
    """The endpoints this user may book, under their units; folded by province when large."""
    home = None if is_administrator(user) else home_unit(user)
    if home is not None and home.level == Level.COUNTRY:
        home = None  # every unit of either tree is the country's to tick
    rooms = endpoints_on_tree(bookable_in_scope(user), structure=structure)
    # tree_unit_id is endpoints_on_tree's annotation, which the type plugin cannot see.
    placed: list[tuple[int, int]] = list(rooms.values_list("pk", "tree_unit_id"))  # type: ignore[misc]
    in_scope = {pk for pk, _unit in placed}
    scope_units = selectable_units(structure=structure, home=home, in_scope=in_scope)
    tree = Tree(rooms, structure, scope_units, checked_endpoints, checked_units or set())
    # A room of today's commune is also placed under every other former unit it serves.
    tree.also = [(pk, unit) for pk, unit in served_placements(rooms, structure=structure) if pk in in_scope]
    if len(in_scope) <= LARGE_TREE:
        return tree.whole(sorted(in_scope))
    return tree.folded(placed + tree.also, opened=set(opened))


class Tree:
    """booking_tree for the rooms shown, and one folded line for each province not shown."""

    def __init__(
        self,
        rooms: QuerySet[Endpoint],
        structure: str,
        scope_units: set[int] | None,
        checked_endpoints: set[int],
        checked_units: set[int],
    ) -> None:
        self.rooms, self.structure, self.scope_units = rooms, structure, scope_units
        self.checked_endpoints, self.checked_units = checked_endpoints, checked_units
        self.also: list[tuple[int, int]] = []

    def whole(self, shown: list[int]) -> list[TreeNode]:
        if not shown:
            return []
        return booking_tree(
            endpoints=self.placed_rooms(shown),
            structure=self.structure,
            scope_unit_ids=self.scope_units,
            checked_endpoints=self.checked_endpoints,
            checked_units=self.checked_units,
        )

    def placed_rooms(self, shown: list[int]) -> list[Endpoint]:
        """The rooms shown, each once under its own unit and once more (a copy) under every other
        former unit it serves."""
        rooms = list(self.rooms.filter(pk__in=shown).only("pk", "name", "unit_id", "status"))
        by_pk = {room.pk: room for room in rooms}
        for pk, unit_id in self.also:
            if pk in by_pk:
                extra = copy.copy(by_pk[pk])
                extra.tree_unit_id = unit_id  # type: ignore[attr-defined]  # read by booking_tree
                rooms.append(extra)
        return rooms

    def selectable(self, pk: int) -> bool:
        return self.scope_units is None or pk in self.scope_units

    def folded(self, placed: list[tuple[int, int]], *, opened: set[int]) -> list[TreeNode]:
        """A province is shown open when asked for, or when some but not all of its rooms are
        ticked (they must be posted again); one whose every room is ticked folds into its ticked
        box, which books the same rooms."""
        units = {
            pk: (parent, level, code, name)
            for pk, parent, level, code, name in Unit.objects.filter(structure=self.structure).values_list(
                "pk", "parent_id", "level", "code", "name"
            )
        }
        per_province: dict[int, list[int]] = {}
        above: list[int] = []  # rooms above every province: the Government hall
        for pk, unit_id in dict.fromkeys(placed):
            province = province_of(unit_id, units)
            ids = per_province.setdefault(province, []) if province else above
            if pk not in ids:
                ids.append(pk)
        unfold = set()
        for province, ids in per_province.items():
            ticked = sum(pk in self.checked_endpoints for pk in ids)
            whole = self.selectable(province) and ticked == len(ids)
            if province in opened or (ticked and not whole and province not in self.checked_units):
                unfold.add(province)
        if unfold:
            tree = self.whole(above + [pk for province in unfold for pk in per_province[province]])
        else:  # the usual first view: no province open, so no need for booking_tree's every unit
            tree = self.above_provinces(above, units)
        for province in unfold:
            if node := find_node(tree, province):
                node.unit.opened = True  # type: ignore[attr-defined]  # kept open by the next post
        for province, ids in per_province.items():
            if province not in unfold:
                self.attach(tree, self.folded_line(province, ids, units), units)
        return tree

    def folded_line(self, province: int, ids: list[int], units: dict) -> TreeNode:
        _parent, level, code, name = units[province]
        unit = Unit(pk=province, structure=self.structure, code=code, name=name, level=level)
        every = self.selectable(province) and all(pk in self.checked_endpoints for pk in ids)
        node = TreeNode(unit, [], [], self.selectable(province), checked=province in self.checked_units or every)
        # Read by the template: the folded line and its count (for "Đã chọn n điểm cầu").
        unit.lazy, unit.rooms = True, len(ids)  # type: ignore[attr-defined]
        return node

    def node_for(self, tree: list[TreeNode], pk: int, units: dict) -> TreeNode:
        """The node of a unit above the provinces, made (as a root) when the tree has none yet."""
        if found := find_node(tree, pk):
            return found
        _parent, level, code, name = units[pk]
        unit = Unit(pk=pk, structure=self.structure, code=code, name=name, level=level)
        node = TreeNode(unit, [], [], self.selectable(pk), checked=pk in self.checked_units)
        tree.append(node)
        return node

    def above_provinces(self, above: list[int], units: dict) -> list[TreeNode]:
        """The rooms above every province (the Government hall) under their unit."""
        tree: list[TreeNode] = []
        for room in self.rooms.filter(pk__in=above).only("pk", "name", "unit_id", "status").order_by("name"):
            room.checked = room.pk in self.checked_endpoints  # type: ignore[attr-defined]  # read by the template
            self.node_for(tree, room.tree_unit_id, units).endpoints.append(room)  # type: ignore[attr-defined]
        return tree

    def attach(self, tree: list[TreeNode], node: TreeNode, units: dict) -> None:
        """Under its parent (made for it when no room shown sits there), in code order."""
        parent_pk = units[node.unit.pk][0]
        siblings = tree if parent_pk is None else self.node_for(tree, parent_pk, units).children
        siblings.append(node)
        siblings.sort(key=lambda n: (n.unit.code, n.unit.name))


def province_of(unit_id: int, units: dict) -> int | None:
    """The province a unit is in (itself if it is one); None above the provinces."""
    node: int | None = unit_id
    while node is not None and node in units and units[node][1] != Level.PROVINCE:
        node = units[node][0]
    return node if node is not None and node in units else None


def find_node(tree: list[TreeNode], pk: int) -> TreeNode | None:
    for node in tree:
        if node.unit.pk == pk:
            return node
        if found := find_node(node.children, pk):
            return found
    return None


@login_required
def booking_subtree(request: HttpRequest, pk: int) -> HttpResponse:
    """One unit's part of the tree (its rooms and the units below), as list items for the script
    to put under the folded province."""
    if not has_role(request.user, Role.STAFF):
        raise Http404
    unit = Unit.objects.filter(pk=pk).first()
    if unit is None:
        raise Http404
    tree = unit_tree(user=request.user, structure=unit.structure, checked_endpoints=set(), opened={pk})
    node = find_node(tree, pk)
    if node is None:
        raise Http404
    return render(request, "rooms/booking_tree_children.html", {"node": node})


def host_shortlist(user: User, *, keep: Collection[int] = ()) -> QuerySet[Endpoint]:
    """The hosts a large form lists without searching: the provinces' and the Government's halls
    (and the host already chosen)."""
    halls = ProvinceSettings.objects.exclude(host=None).values("host_id")
    near_top = Q(unit__level__in=[Level.COUNTRY, Level.PROVINCE]) | Q(pk__in=halls) | Q(pk__in=list(keep))
    return bookable_in_scope(user).filter(near_top).select_related("unit").order_by("name")


@login_required
def booking_host_search(request: HttpRequest) -> JsonResponse:
    """`?q=`: the first rooms this user may book whose name or unit matches, accent-blind."""
    if not has_role(request.user, Role.STAFF):
        return JsonResponse({"detail": "forbidden"}, status=403)
    words = request.GET.get("q", "")[:100].split()
    found = bookable_in_scope(request.user)
    for word in words:  # every word, anywhere in the room's or its unit's name: "hoi truong ha noi"
        found = matching(found, word, ["name", "unit__name"])
    rows = found.select_related("unit").order_by("name", "pk")[:HOST_SEARCH_RESULTS] if words else []
    return JsonResponse({"results": [{"id": e.pk, "name": e.name, "unit": e.unit.name} for e in rows]})


def opened_units(request: HttpRequest) -> set[int]:
    """Provinces opened without the script: the one just asked for and those open before."""
    return set(
        ids_in([*request.POST.getlist("opened"), request.POST.get("open_unit", ""), request.GET.get("open", "")])
    )
