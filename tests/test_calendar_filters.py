"""The week calendar's room filter at national size: only the reader's rooms, grouped by
province; past 400 rooms it asks for a province or a search instead of listing them all."""

import pytest

from rooms.models import Endpoint, EndpointStatus, Level, Structure, Unit
from tests.conftest import make_endpoint, make_user


@pytest.fixture
def cao_bang(province):
    """A second province with one room of its own."""
    unit = Unit.objects.create(structure=Structure.LEGACY, code="04", name="Tỉnh Cao Bằng", level=Level.PROVINCE)
    return make_endpoint(unit, "Hội trường UBND tỉnh Cao Bằng")


def room_filter_of(client, user, query=""):
    client.force_login(user)
    response = client.get(f"/lich-hop/{query}")
    assert response.status_code == 200
    return response.context["room_filter"]


def listed(room_filter):
    return {room.name for _, rooms in room_filter.groups for room in rooms}


def test_a_province_reader_sees_only_the_rooms_of_their_province(client, staff, province, cao_bang, clock):
    rf = room_filter_of(client, staff, "")
    assert "Hội trường UBND tỉnh" in listed(rf)
    assert cao_bang.name not in listed(rf)
    assert [name for name, _ in rf.groups] == ["Tỉnh Lạng Sơn"]
    assert [p.name for p in rf.provinces] == ["Tỉnh Lạng Sơn"]


def test_an_administrator_sees_the_rooms_grouped_by_province(client, province, cao_bang, clock):
    admin = make_user("quantri", None, is_superuser=True, is_staff=True)
    rf = room_filter_of(client, admin)
    assert [name for name, _ in rf.groups] == ["Tỉnh Cao Bằng", "Tỉnh Lạng Sơn"]
    assert not rf.narrow_first


def test_beyond_400_rooms_the_form_asks_for_a_province(client, province, cao_bang, clock):
    Endpoint.objects.bulk_create(
        Endpoint(unit=cao_bang.unit, name=f"Phòng họp xã số {i}", status=EndpointStatus.IN_SERVICE) for i in range(400)
    )
    admin = make_user("quantri", None, is_superuser=True, is_staff=True)
    client.force_login(admin)
    page = client.get("/lich-hop/")
    rf = page.context["room_filter"]
    assert rf.narrow_first and rf.groups == [] and rf.count == 407
    assert "chọn tỉnh hoặc gõ tên" in page.content.decode()
    narrowed = room_filter_of(client, admin, f"?province={province.unit.pk}")
    assert not narrowed.narrow_first and len(listed(narrowed)) == 6


def test_a_search_narrows_the_rooms(client, province, cao_bang, clock):
    Endpoint.objects.bulk_create(
        Endpoint(unit=cao_bang.unit, name=f"Phòng họp xã số {i}", status=EndpointStatus.IN_SERVICE) for i in range(400)
    )
    admin = make_user("quantri", None, is_superuser=True, is_staff=True)
    rf = room_filter_of(client, admin, "?q=xa+so+12")
    assert not rf.narrow_first
    assert listed(rf) == {"Phòng họp xã số 12", *(f"Phòng họp xã số {i}" for i in range(120, 130))}


def test_the_chosen_room_stays_listed_when_the_list_is_too_long(client, province, cao_bang, clock):
    Endpoint.objects.bulk_create(
        Endpoint(unit=cao_bang.unit, name=f"Phòng họp xã số {i}", status=EndpointStatus.IN_SERVICE) for i in range(400)
    )
    admin = make_user("quantri", None, is_superuser=True, is_staff=True)
    rf = room_filter_of(client, admin, f"?endpoint={province.ep_c1.pk}")
    assert rf.narrow_first and listed(rf) == {province.ep_c1.name}
