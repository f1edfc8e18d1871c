"""Savings follow the reader's scope as the attendance API does: one meeting's breakdown and the
meeting page's card show a district or commune reader their own endpoints, and payback, a
province-wide figure, is only for readers of the whole province."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from rooms.models import Role
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(province, held_meeting, clock):
    for endpoint in (province.ep_d1, province.ep_c1, province.ep_c3):
        endpoint.road_km = Decimal(40)
        endpoint.save()
    return held_meeting(
        start=datetime(2026, 2, 2, 1, 0, tzinfo=UTC), heads={province.ep_d1: 5, province.ep_c1: 3, province.ep_c3: 4}
    )


@pytest.fixture
def commune_leader(province):
    return make_user("lanhdao_tanthanh", Role.LEADER, province.c1)


def test_a_commune_leader_reads_only_their_own_endpoint_of_a_province_meeting(meeting, commune_leader, province, api):
    response = api(commune_leader).get(f"/api/meetings/{meeting.pk}/savings/")
    assert response.status_code == 200
    body = response.json()
    assert [row["endpoint"] for row in body["endpoints"]] == [province.ep_c1.pk]
    assert body["totals"]["attendees"] == 3


def test_a_province_leader_reads_every_endpoint(meeting, leader, api):
    body = api(leader).get(f"/api/meetings/{meeting.pk}/savings/").json()
    assert len(body["endpoints"]) == 6
    assert body["totals"]["attendees"] == 12


def test_a_leader_whose_scope_holds_none_of_its_endpoints_is_refused(province, held_meeting, commune_leader, api):
    elsewhere = held_meeting(endpoints=[province.ep_c3], heads={province.ep_c3: 4})
    response = api(commune_leader).get(f"/api/meetings/{elsewhere.pk}/savings/")
    assert response.status_code == 403


def test_the_meeting_pages_card_follows_the_scope(meeting, commune_leader, province, client):
    client.force_login(commune_leader)
    page = client.get(f"/lich-hop/{meeting.pk}/").content.decode()
    assert province.ep_c1.name in page.split('id="tiet-kiem"')[1]
    assert province.ep_c3.name not in page.split('id="tiet-kiem"')[1]


def test_payback_is_refused_to_a_reader_below_the_province(meeting, commune_leader, api):
    response = api(commune_leader).get("/api/reports/payback/")
    assert response.status_code == 403


def test_payback_of_another_province_is_refused(meeting, leader, province, api):
    from rooms.models import Level, Structure, Unit

    Unit.objects.create(structure=Structure.LEGACY, code="04", name="Tỉnh Cao Bằng", level=Level.PROVINCE)
    response = api(leader).get("/api/reports/payback/", {"province": "04"})
    assert response.status_code == 403


def test_payback_of_the_readers_own_province_is_answered(meeting, leader, api):
    response = api(leader).get("/api/reports/payback/")
    assert response.status_code == 200
    assert response.json()["totals"]["savings_vnd"] > 0


def test_the_dashboard_leaves_payback_out_for_a_reader_below_the_province(meeting, commune_leader, client):
    client.force_login(commune_leader)
    response = client.get("/bao-cao/")
    assert response.status_code == 200
    assert response.context["payback"] is None
    assert "payback-report" not in " ".join(url for _label, url in response.context["downloads"])
