"""Moving a room to another bridge (MCU) while it has future meetings: a move that would break
a meeting's cascade, or overrun a bridge's ports, is a 409 on `bridge` and changes nothing."""

from datetime import UTC, datetime, timedelta

import pytest

from rooms.models import Bridge, Endpoint
from tests.conftest import orm_meeting

TOMORROW = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)  # the fixed clock is 2026-03-02 01:00 UTC


@pytest.fixture
def booked(province, staff, clock):
    """The province's meeting tomorrow on the provincial MCU, Tân Thanh among its rooms."""
    return orm_meeting(
        province, staff, TOMORROW, 60, host=None, endpoints=None, title="Giao ban tỉnh", bridge=province.bridge
    )


def move(api, admin_user, endpoint, bridge):
    return api(admin_user).patch(f"/api/endpoints/{endpoint.pk}/", {"bridge": bridge.pk}, format="json")


def bridge_of(endpoint):
    return Endpoint.objects.values_list("bridge_id", flat=True).get(pk=endpoint.pk)


def test_a_bridge_that_does_not_reach_the_meetings_bridge_is_refused(api, admin_user, province, booked):
    island = Bridge.objects.create(name="MCU Bộ Công an", ports=50)
    response = move(api, admin_user, province.ep_c1, island)
    assert response.status_code == 409
    body = response.json()
    assert "MCU Bộ Công an" in body["bridge"][0] and "Giao ban tỉnh" in body["bridge"][0]
    assert [c["meeting"] for c in body["conflicts"]] == [booked.pk]
    assert bridge_of(province.ep_c1) == province.bridge.pk


def test_a_bridge_under_the_meetings_bridge_is_accepted(api, admin_user, province, booked):
    district = Bridge.objects.create(name="MCU huyện Văn Lãng", ports=10, parent=province.bridge)
    response = move(api, admin_user, province.ep_c1, district)
    assert response.status_code == 200
    assert bridge_of(province.ep_c1) == district.pk


def test_a_move_that_overruns_a_bridges_ports_is_refused(api, admin_user, province, booked):
    # The room takes one port on the new bridge and the link up one more: two, and it has one.
    tiny = Bridge.objects.create(name="MCU xã nhỏ", ports=1, parent=province.bridge)
    response = move(api, admin_user, province.ep_c1, tiny)
    assert response.status_code == 409
    assert "MCU xã nhỏ" in response.json()["bridge"][0]
    assert bridge_of(province.ep_c1) == province.bridge.pk


def test_the_top_bridge_running_out_of_ports_is_named(api, admin_user, province, staff, clock):
    # A national meeting on a one-port central MCU: the provincial link takes its only port, a
    # room moved onto another provincial MCU would need a second link.
    central = Bridge.objects.create(name="MCU trung ương", ports=1)
    Bridge.objects.filter(pk=province.bridge.pk).update(parent=central)
    orm_meeting(province, staff, TOMORROW, 60, host=None, endpoints=None, title="Họp toàn quốc", bridge=central)
    other = Bridge.objects.create(name="MCU tỉnh bạn", ports=10, parent=central)
    response = move(api, admin_user, province.ep_c3, other)
    assert response.status_code == 409
    assert "MCU trung ương" in response.json()["bridge"][0]
    assert bridge_of(province.ep_c3) == province.bridge.pk


def test_only_future_meetings_hold_a_room_to_its_bridge(api, admin_user, province, staff, clock):
    orm_meeting(
        province,
        staff,
        TOMORROW - timedelta(days=3),
        60,
        host=None,
        endpoints=None,
        title="Đã họp",
        bridge=province.bridge,
    )
    island = Bridge.objects.create(name="MCU Bộ Công an", ports=50)
    assert move(api, admin_user, province.ep_c1, island).status_code == 200
    assert bridge_of(province.ep_c1) == island.pk


def test_many_broken_meetings_are_named_a_few_and_counted(api, admin_user, province, staff, clock):
    for day in range(5):
        orm_meeting(
            province,
            staff,
            TOMORROW + timedelta(days=day),
            60,
            host=None,
            endpoints=None,
            title=f"Họp {day + 1}",
            bridge=province.bridge,
        )
    island = Bridge.objects.create(name="MCU Bộ Công an", ports=50)
    response = move(api, admin_user, province.ep_c1, island)
    assert response.status_code == 409
    message = response.json()["bridge"][0]
    assert "Họp 1" in message and "Họp 3" in message and "Họp 4" not in message
    assert "2 cuộc họp khác" in message
    assert bridge_of(province.ep_c1) == province.bridge.pk
