"""Booking "all communes of former district X" on the legacy tree: a current room counts under
every legacy unit it serves (Endpoint.legacy_units), and appears once however many it names."""

from types import SimpleNamespace

import pytest

from rooms.models import Endpoint, Level, Role, Structure, Unit
from rooms.selectors.endpoints import filter_endpoints
from rooms.selectors.meetings import bookable_endpoints_under
from rooms.views.booking_tree import find_node, unit_tree
from tests.conftest import make_endpoint, make_user

pytestmark = pytest.mark.django_db


def unit(code: str, name: str, level: str, parent: Unit | None, structure: str) -> Unit:
    return Unit.objects.create(structure=structure, code=code, name=name, level=level, parent=parent)


@pytest.fixture
def merged(db: None) -> SimpleNamespace:
    """Today's Xã Tân Thanh absorbed two communes of Văn Lãng and one of Cao Lộc; its default
    legacy unit is in Văn Lãng. A second room stays in Cao Lộc only."""
    old, new = Structure.LEGACY, Structure.CURRENT
    old_ls = unit("20", "Tỉnh Lạng Sơn", Level.PROVINCE, None, old)
    van_lang = unit("178", "Huyện Văn Lãng", Level.DISTRICT, old_ls, old)
    cao_loc = unit("180", "Huyện Cao Lộc", Level.DISTRICT, old_ls, old)
    a = unit("06280", "Xã Tân Thanh", Level.COMMUNE, van_lang, old)
    b = unit("06283", "Xã Hoàng Việt", Level.COMMUNE, van_lang, old)
    c = unit("06400", "Xã Gia Cát", Level.COMMUNE, cao_loc, old)
    ls = unit("20", "Tỉnh Lạng Sơn", Level.PROVINCE, None, new)
    tan_thanh = unit("06280", "Xã Tân Thanh", Level.COMMUNE, ls, new)
    room = make_endpoint(tan_thanh, legacy_unit=a)
    room.legacy_units.set([a, b, c])
    gia_cat = make_endpoint(unit("06401", "Xã Gia Cát", Level.COMMUNE, ls, new), legacy_unit=c)
    staff = make_user("ls-staff", Role.STAFF, ls)
    return SimpleNamespace(
        van_lang=van_lang, cao_loc=cao_loc, room=room, gia_cat=gia_cat, communes=[a, b, c], staff=staff
    )


def test_a_room_is_booked_with_each_former_district_it_serves(merged):
    assert list(bookable_endpoints_under([merged.van_lang])) == [merged.room]
    assert set(bookable_endpoints_under([merged.cao_loc])) == {merged.room, merged.gia_cat}


def test_two_former_districts_or_all_their_communes_book_the_room_once(merged):
    both = list(bookable_endpoints_under([merged.van_lang, merged.cao_loc]))
    assert sorted(e.pk for e in both) == sorted([merged.room.pk, merged.gia_cat.pk])
    communes = list(bookable_endpoints_under(merged.communes))
    assert [e.pk for e in communes].count(merged.room.pk) == 1


def test_the_room_list_filtered_by_a_former_district_shows_the_room_once(merged):
    rooms = list(filter_endpoints(Endpoint.objects.all(), unit=merged.cao_loc))
    assert sorted(e.pk for e in rooms) == sorted([merged.room.pk, merged.gia_cat.pk])


def rooms_under(node) -> list[int]:
    return [e.pk for e in node.endpoints] + [pk for child in node.children for pk in rooms_under(child)]


def test_the_legacy_tree_lists_the_room_under_every_former_unit_it_serves(merged):
    tree = unit_tree(user=merged.staff, structure=Structure.LEGACY, checked_endpoints={merged.room.pk})
    a, b, c = (find_node(tree, commune.pk) for commune in merged.communes)
    assert [e.pk for e in a.endpoints] == [e.pk for e in b.endpoints] == [merged.room.pk]
    assert {e.pk for e in c.endpoints} == {merged.room.pk, merged.gia_cat.pk}
    assert all(e.checked for e in a.endpoints + b.endpoints if e.pk == merged.room.pk)
    # Ticking either former district books the same room once (one value, however many boxes).
    assert set(rooms_under(find_node(tree, merged.van_lang.pk))) == {merged.room.pk}
    assert set(rooms_under(find_node(tree, merged.cao_loc.pk))) == {merged.room.pk, merged.gia_cat.pk}


def test_a_folded_province_counts_the_room_once(merged, monkeypatch):
    monkeypatch.setattr("rooms.views.booking_tree.LARGE_TREE", 1)
    tree = unit_tree(user=merged.staff, structure=Structure.LEGACY, checked_endpoints=set())
    province = tree[0]
    assert province.unit.lazy and province.unit.rooms == 2
