"""The booking form's unit tree and host picker at any size: a province's 65 communes are shown
whole, the country's 3,321 come collapsed by province (each province ticked in one box, opened on
demand: by a fragment the page's script fetches, or by posting the form back without it).

Both pages that show the tree (booking, reschedule) and the two small views that serve the
script (one province's subtree, the host search) read it here.
"""

from collections.abc import Collection

from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from rooms.models import Endpoint, Level, ProvinceSettings, Role, Unit
from rooms.models.endpoints import BOOKABLE_STATUSES
from rooms.permissions import User, endpoints_in_scope, has_role, home_unit, is_administrator
from rooms.selectors.meetings import TreeNode, booking_tree
from rooms.selectors.units import endpoints_on_tree, selectable_units
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
    """The endpoints this user may book, under their units; collapsed by province when large."""
    home = None if is_administrator(user) else home_unit(user)
    if home is not None and home.level == Level.COUNTRY:
        home = None  # every unit of either tree is the country's to tick
    endpoints = list(
        endpoints_on_tree(bookable_in_scope(user).only("pk", "name", "unit_id", "status"), structure=structure)
    )
    scope_units = selectable_units(structure=structure, home=home, in_scope={e.pk for e in endpoints})
    tree = booking_tree(
        endpoints=endpoints,
        structure=structure,
        scope_unit_ids=scope_units,
        checked_endpoints=checked_endpoints,
        checked_units=checked_units or set(),
    )
    if len(endpoints) > LARGE_TREE:
        for node in tree:
            collapse_provinces(node, opened=set(opened))
    return tree


def rooms_below(node: TreeNode) -> list[Endpoint]:
    return [*node.endpoints, *(e for child in node.children for e in rooms_below(child))]


def collapse_provinces(node: TreeNode, *, opened: set[int]) -> None:
    """Fold every province of this subtree into one line (its name, its room count, one box for
    all of it), unless it was opened or holds a choice that is not the whole province: a ticked
    room stays visible so it is posted again. A province whose every room is ticked folds into
    its ticked box, which books the same rooms."""
    if node.unit.level != Level.PROVINCE:
        for child in node.children:
            collapse_provinces(child, opened=opened)
        return
    rooms = rooms_below(node)
    ticked = sum(bool(getattr(e, "checked", False)) for e in rooms)
    whole = node.selectable and rooms and ticked == len(rooms)
    if node.unit.pk in opened or (ticked and not whole and not node.checked):
        node.unit.opened = True  # type: ignore[attr-defined]  # kept open by the next post
        return
    node.checked = node.checked or bool(whole)
    # Read by the template: the folded line and its count (for "Đã chọn n điểm cầu").
    node.unit.lazy = True  # type: ignore[attr-defined]
    node.unit.rooms = len(rooms)  # type: ignore[attr-defined]
    node.children, node.endpoints = [], []


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
    term = request.GET.get("q", "")[:100]
    found = matching(bookable_in_scope(request.user), term, ["name", "unit__name"]) if term.strip() else None
    rows = [] if found is None else found.select_related("unit").order_by("name", "pk")[:HOST_SEARCH_RESULTS]
    return JsonResponse({"results": [{"id": e.pk, "name": e.name, "unit": e.unit.name} for e in rows]})


def opened_units(request: HttpRequest) -> set[int]:
    """Provinces opened without the script: the one just asked for and those open before."""
    return set(
        ids_in([*request.POST.getlist("opened"), request.POST.get("open_unit", ""), request.GET.get("open", "")])
    )
