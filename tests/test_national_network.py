"""The national network: the VN root, cascaded bridges and ports counted per bridge (API.md)."""

from types import SimpleNamespace

import pytest
from django.test import Client

from rooms.models import Bridge, Level, Meeting, Role, Structure, Unit
from rooms.selectors.meetings import endpoints_in_scope_of
from tests.conftest import make_endpoint, make_user
from tests.helpers import at, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def nation(db: None) -> SimpleNamespace:
    """VN > Lạng Sơn (3 communes) and Hà Nội (2 communes) on today's tree. The central MCU (4
    ports) holds the Government halls; each province's MCU (LS 5, HN 4) cascades to it."""
    current = Structure.CURRENT
    vn = Unit.objects.create(structure=current, code="VN", name="Việt Nam", level=Level.COUNTRY)
    ls = Unit.objects.create(structure=current, code="20", name="Tỉnh Lạng Sơn", level=Level.PROVINCE, parent=vn)
    hn = Unit.objects.create(structure=current, code="01", name="Thành phố Hà Nội", level=Level.PROVINCE, parent=vn)
    central = Bridge.objects.create(name="MCU trung ương", ports=4, unit=vn)
    mcu_ls = Bridge.objects.create(name="MCU Lạng Sơn", ports=5, parent=central, unit=ls)
    mcu_hn = Bridge.objects.create(name="MCU Hà Nội", ports=4, parent=central, unit=hn)
    communes = {}
    for province, codes in ((ls, ["06280", "06283", "06310"]), (hn, ["00004", "00006"])):
        for code in codes:
            communes[code] = Unit.objects.create(
                structure=current, code=code, name=f"Xã {code}", level=Level.COMMUNE, parent=province
            )
    ls_communes = [make_endpoint(communes[c], bridge=mcu_ls) for c in ("06280", "06283", "06310")]
    hn_communes = [make_endpoint(communes[c], bridge=mcu_hn) for c in ("00004", "00006")]
    return SimpleNamespace(
        vn=vn,
        ls=ls,
        hn=hn,
        central=central,
        mcu_ls=mcu_ls,
        mcu_hn=mcu_hn,
        gov_hall=make_endpoint(vn, "Hội trường Chính phủ", bridge=central),
        gov_room=make_endpoint(vn, "Phòng họp Văn phòng Chính phủ", bridge=central),
        ls_hall=make_endpoint(ls, "Hội trường UBND tỉnh Lạng Sơn", bridge=mcu_ls),
        hn_hall=make_endpoint(hn, "Hội trường UBND TP Hà Nội", bridge=mcu_hn),
        ls_communes=ls_communes,
        ls_rooms=[make_endpoint(ls, f"Phòng họp Sở {i}", bridge=mcu_ls) for i in (1, 2)],
        hn_communes=hn_communes,
        gov_staff=make_user("vpcp", Role.STAFF, vn),
        ls_staff=make_user("vp_langson", Role.STAFF, ls),
        hn_staff=make_user("vp_hanoi", Role.STAFF, hn),
    )


def post(api, user, host, endpoints, start, end, **extra):
    body = {
        "title": "Hội nghị",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "host": host.pk,
        "endpoints": [e.pk for e in endpoints],
        **extra,
    }
    return api(user).post("/api/meetings/", body, format="json")


def national(n: SimpleNamespace) -> list:
    return [n.ls_hall, n.hn_hall, *n.ls_communes, *n.hn_communes]


class TestPortsPerBridge:
    def test_a_national_conference_holds_ports_on_every_bridge_of_the_cascade(self, api, nation, clock):
        response = post(api, nation.gov_staff, nation.gov_hall, national(nation), at(3, 9), at(3, 11))
        assert response.status_code == 201, response.content
        # Central: the hall and one link per province; each province: its rooms and its link up.
        assert response.json()["bridges"] == [
            {"bridge": nation.central.pk, "ports": 3},
            {"bridge": nation.mcu_ls.pk, "ports": 5},
            {"bridge": nation.mcu_hn.pk, "ports": 4},
        ]
        assert response.json()["bridge"] == nation.central.pk
        listed = api(nation.gov_staff).get("/api/meetings/").json()["results"]
        assert listed[0]["bridges"] == response.json()["bridges"]

    def test_a_provincial_meeting_is_refused_when_a_national_conference_holds_its_mcu(self, api, nation, clock):
        # The Lạng Sơn case: the national conference holds all 5 ports of the provincial MCU.
        assert post(api, nation.gov_staff, nation.gov_hall, national(nation), at(3, 9), at(3, 11)).status_code == 201
        before = snapshot()
        refused = post(api, nation.ls_staff, *nation.ls_rooms[:1], nation.ls_rooms[1:], at(3, 10), at(3, 12))
        assert refused.status_code == 409
        assert [
            {k: c[k] for k in ("bridge", "start", "end", "ports_needed", "ports_free")}
            for c in refused.json()["conflicts"]
        ] == [
            {
                "bridge": nation.mcu_ls.pk,
                "start": "2026-03-03T10:00:00+07:00",
                "end": "2026-03-03T11:00:00+07:00",
                "ports_needed": 2,
                "ports_free": 0,
            }
        ]
        assert snapshot() == before
        later = post(api, nation.ls_staff, *nation.ls_rooms[:1], nation.ls_rooms[1:], at(3, 11), at(3, 12))
        assert later.status_code == 201

    def test_every_short_bridge_is_one_conflict(self, api, nation, clock):
        first = post(api, nation.gov_staff, nation.gov_hall, nation.ls_communes, at(3, 9), at(3, 11))
        assert first.json()["bridges"] == [
            {"bridge": nation.central.pk, "ports": 2},
            {"bridge": nation.mcu_ls.pk, "ports": 4},
        ]
        before = snapshot()
        refused = post(api, nation.gov_staff, nation.gov_room, [nation.ls_hall, nation.hn_hall], at(3, 10), at(3, 12))
        assert refused.status_code == 409
        short = {c["bridge"]: (c["ports_needed"], c["ports_free"]) for c in refused.json()["conflicts"]}
        assert short == {nation.central.pk: (3, 2), nation.mcu_ls.pk: (2, 1)}
        assert len(refused.json()["conflicts"]) == 2
        assert snapshot() == before

    def test_an_endpoint_whose_bridge_does_not_reach_the_top_is_named(self, api, nation, clock):
        island = Bridge.objects.create(name="MCU riêng", ports=10)
        stray = make_endpoint(nation.hn_communes[0].unit, "Phòng họp riêng", bridge=island)
        before = snapshot()
        response = post(api, nation.gov_staff, nation.gov_hall, [nation.ls_hall, stray], at(3, 9), at(3, 10))
        assert response.status_code == 400
        (message,) = response.json()["endpoints"]
        assert "Phòng họp riêng" in message and nation.ls_hall.name not in message
        assert snapshot() == before

    def test_a_provincial_top_bridge_makes_the_central_rooms_unreachable(self, api, nation, clock):
        response = post(
            api, nation.gov_staff, nation.ls_hall, [nation.gov_hall], at(3, 9), at(3, 10), bridge=nation.mcu_ls.pk
        )
        assert response.status_code == 400
        assert nation.gov_hall.name in response.json()["endpoints"][0]
        assert not Meeting.objects.exists()

    def test_without_a_top_bridge_the_common_root_of_the_endpoints_is_the_top(self, api, nation, clock):
        nation.gov_hall.bridge = None
        nation.gov_hall.save()
        response = post(
            api, nation.gov_staff, nation.gov_hall, [nation.ls_communes[0], nation.hn_communes[0]], at(3, 9), at(3, 10)
        )
        assert response.status_code == 201
        assert response.json()["bridge"] == nation.central.pk
        assert response.json()["bridges"] == [
            {"bridge": nation.central.pk, "ports": 3},
            {"bridge": nation.mcu_ls.pk, "ports": 2},
            {"bridge": nation.mcu_hn.pk, "ports": 2},
        ]

    def test_without_a_top_bridge_endpoints_on_unconnected_bridges_are_refused(self, api, nation, clock):
        nation.gov_hall.bridge = None
        nation.gov_hall.save()
        island = Bridge.objects.create(name="MCU riêng", ports=10)
        stray = make_endpoint(nation.vn, "Phòng họp riêng", bridge=island)
        response = post(api, nation.gov_staff, nation.gov_hall, [nation.ls_communes[0], stray], at(3, 9), at(3, 10))
        assert response.status_code == 400
        assert list(response.json()) == ["bridge"]
        assert not Meeting.objects.exists()


class TestChanges:
    def test_moving_a_provincial_meeting_into_a_national_conference_is_refused(self, api, nation, clock):
        assert post(api, nation.gov_staff, nation.gov_hall, national(nation), at(3, 9), at(3, 11)).status_code == 201
        mine = post(api, nation.ls_staff, *nation.ls_rooms[:1], nation.ls_rooms[1:], at(3, 14), at(3, 15)).json()
        before = snapshot()
        response = api(nation.ls_staff).patch(
            f"/api/meetings/{mine['id']}/", {"start": at(3, 10).isoformat()}, format="json"
        )
        assert response.status_code == 409
        assert {c["bridge"] for c in response.json()["conflicts"]} == {nation.mcu_ls.pk}
        assert snapshot() == before

    def test_adding_endpoints_counts_their_bridges(self, api, nation, clock):
        Bridge.objects.filter(pk=nation.mcu_ls.pk).update(ports=4)
        ls_meeting = post(api, nation.ls_staff, nation.ls_hall, nation.ls_communes[:1], at(3, 9), at(3, 11))
        assert ls_meeting.status_code == 201  # 2 of the 4 ports of Lạng Sơn's MCU
        meeting = post(api, nation.gov_staff, nation.gov_hall, [nation.hn_hall], at(3, 9), at(3, 11)).json()
        before = snapshot()
        # Two Lạng Sơn communes need 3 ports there (the rooms and the link up): 2 are free.
        two = [nation.hn_hall.pk, nation.ls_communes[1].pk, nation.ls_communes[2].pk]
        response = api(nation.gov_staff).patch(f"/api/meetings/{meeting['id']}/", {"endpoints": two}, format="json")
        assert response.status_code == 409
        assert [(c["bridge"], c["ports_needed"], c["ports_free"]) for c in response.json()["conflicts"]] == [
            (nation.mcu_ls.pk, 3, 2)
        ]
        assert snapshot() == before
        one = [nation.hn_hall.pk, nation.ls_communes[1].pk]
        ok = api(nation.gov_staff).patch(f"/api/meetings/{meeting['id']}/", {"endpoints": one}, format="json")
        assert ok.status_code == 200
        assert ok.json()["bridges"] == [
            {"bridge": nation.central.pk, "ports": 3},
            {"bridge": nation.mcu_ls.pk, "ports": 2},
            {"bridge": nation.mcu_hn.pk, "ports": 2},
        ]


class TestCentralRooms:
    def test_a_province_office_cannot_book_a_central_room(self, api, nation, clock):
        response = post(api, nation.hn_staff, nation.hn_hall, [nation.gov_hall], at(3, 9), at(3, 10))
        assert response.status_code == 403
        assert not Meeting.objects.exists()

    def test_a_province_office_cannot_book_the_country_by_unit(self, api, nation, clock):
        body = {"title": "Họp", "start": at(3, 9).isoformat(), "end": at(3, 10).isoformat()}
        response = api(nation.hn_staff).post(
            "/api/meetings/", {**body, "host": nation.hn_hall.pk, "units": ["VN"]}, format="json"
        )
        assert response.status_code == 403
        assert not Meeting.objects.exists()

    def test_a_province_office_still_books_its_own_rooms(self, api, nation, clock):
        response = post(api, nation.ls_staff, nation.ls_hall, nation.ls_communes, at(3, 9), at(3, 10))
        assert response.status_code == 201

    def test_the_government_office_reaches_every_room_of_the_country(self, nation):
        everyone = [nation.gov_hall, *national(nation)]
        ids = [e.pk for e in everyone]
        assert endpoints_in_scope_of(nation.gov_staff, ids) == set(ids)
        assert endpoints_in_scope_of(nation.ls_staff, ids) == {nation.ls_hall.pk, *(e.pk for e in nation.ls_communes)}

    def test_a_vn_home_reaches_a_commune_four_levels_down_on_the_legacy_tree(self, nation):
        legacy = Structure.LEGACY
        vn = Unit.objects.create(structure=legacy, code="VN", name="Việt Nam", level=Level.COUNTRY)
        province = Unit.objects.create(structure=legacy, code="20", name="Lạng Sơn", level=Level.PROVINCE, parent=vn)
        district = Unit.objects.create(
            structure=legacy, code="178", name="Văn Lãng", level=Level.DISTRICT, parent=province
        )
        commune = Unit.objects.create(
            structure=legacy, code="06280", name="Tân Thanh", level=Level.COMMUNE, parent=district
        )
        room = make_endpoint(commune)
        assert endpoints_in_scope_of(make_user("vpcp_cu", Role.STAFF, vn), [room.pk]) == {room.pk}
        assert endpoints_in_scope_of(make_user("huyen", Role.STAFF, district), [room.pk]) == {room.pk}
        assert endpoints_in_scope_of(make_user("tinh_khac", Role.STAFF, nation.hn), [room.pk]) == set()


class TestBridgesApi:
    def test_a_bridge_is_added_with_its_parent_and_unit(self, api, nation, admin_user):
        response = api(admin_user).post(
            "/api/bridges/",
            {"name": "MCU Cao Bằng", "ports": 80, "parent": nation.central.pk, "unit": "01"},
            format="json",
        )
        assert response.status_code == 201
        assert {k: response.json()[k] for k in ("parent", "unit")} == {"parent": nation.central.pk, "unit": "01"}
        shown = api(admin_user).get(f"/api/bridges/{nation.mcu_ls.pk}/").json()
        assert (shown["parent"], shown["unit"]) == (nation.central.pk, "20")

    def test_a_loop_of_parents_is_refused(self, api, nation, admin_user):
        response = api(admin_user).patch(
            f"/api/bridges/{nation.central.pk}/", {"parent": nation.mcu_ls.pk}, format="json"
        )
        assert response.status_code == 400
        assert list(response.json()) == ["parent"]
        nation.central.refresh_from_db()
        assert nation.central.parent_id is None

    def test_a_bridge_cannot_be_its_own_parent(self, api, nation, admin_user):
        response = api(admin_user).patch(
            f"/api/bridges/{nation.mcu_hn.pk}/", {"parent": nation.mcu_hn.pk}, format="json"
        )
        assert response.status_code == 400
        assert list(response.json()) == ["parent"]
        assert Bridge.objects.get(pk=nation.mcu_hn.pk).parent_id == nation.central.pk

    def test_an_unknown_unit_is_refused(self, api, nation, admin_user):
        response = api(admin_user).post("/api/bridges/", {"name": "MCU X", "ports": 8, "unit": "99"}, format="json")
        assert response.status_code == 400
        assert list(response.json()) == ["unit"]
        assert not Bridge.objects.filter(name="MCU X").exists()

    def test_staff_cannot_change_the_cascade(self, api, nation):
        response = api(nation.gov_staff).patch(f"/api/bridges/{nation.mcu_hn.pk}/", {"parent": None}, format="json")
        assert response.status_code == 403


class TestBridgeImport:
    def upload(self, api, user, text: str):
        return api(user).post("/api/bridges/import/", text.encode(), content_type="text/csv")

    def test_bridges_are_imported_with_their_parents_in_any_order(self, api, nation, admin_user):
        text = "name,ports,parent,unit\nMCU Cao Bằng,60,MCU quốc gia 2,01\nMCU quốc gia 2,40,,VN\n"
        response = self.upload(api, admin_user, text)
        assert response.status_code == 201, response.content
        child = Bridge.objects.get(name="MCU Cao Bằng")
        assert child.parent == Bridge.objects.get(name="MCU quốc gia 2") and child.unit == nation.hn

    def test_a_bad_row_is_named_and_nothing_is_saved(self, api, nation, admin_user):
        text = "name,ports,parent\nMCU A,60,MCU trung ương\nMCU B,60,MCU không có\nMCU C,0,\n"
        count = Bridge.objects.count()
        response = self.upload(api, admin_user, text)
        assert response.status_code == 400
        rows = response.json()["rows"]
        assert [(r["row"], sorted(r["errors"])) for r in rows] == [(3, ["parent"]), (4, ["ports"])]
        assert Bridge.objects.count() == count


class TestPages:
    def test_the_meeting_page_shows_what_it_holds_on_each_bridge(self, api, nation, clock):
        meeting = post(api, nation.gov_staff, nation.gov_hall, national(nation), at(3, 9), at(3, 11)).json()
        client = Client()
        client.force_login(nation.gov_staff)
        page = client.get(f"/lich-hop/{meeting['id']}/").content.decode()
        assert "MCU Lạng Sơn" in page and "5 / 5" in page and "3 / 4" in page and "4 / 4" in page

    def test_a_bridge_page_shows_its_peak_per_day_over_the_cascade(self, api, nation, clock):
        post(api, nation.gov_staff, nation.gov_hall, national(nation), at(3, 9), at(3, 11))
        post(api, nation.ls_staff, *nation.ls_rooms[:1], nation.ls_rooms[1:], at(4, 9), at(4, 10))
        client = Client()
        client.force_login(nation.ls_staff)
        response = client.get(f"/diem-cau/mcu/{nation.mcu_ls.pk}/")
        assert response.status_code == 200
        ahead = {day.day: peak for day, peak, _percent in response.context["ahead"]}
        assert ahead[2] == 0 and ahead[3] == 5 and ahead[4] == 2 and ahead[5] == 0
        listing = client.get("/diem-cau/mcu/").content.decode()
        assert "MCU trung ương" in listing and f"/diem-cau/mcu/{nation.mcu_hn.pk}/" in listing

    def test_a_cancelled_meeting_frees_its_ports_on_the_bridge_page(self, api, nation, clock):
        meeting = post(api, nation.gov_staff, nation.gov_hall, national(nation), at(3, 9), at(3, 11)).json()
        assert api(nation.gov_staff).post(f"/api/meetings/{meeting['id']}/cancel/").status_code == 200
        client = Client()
        client.force_login(nation.gov_staff)
        response = client.get(f"/diem-cau/mcu/{nation.central.pk}/")
        assert {day.day: peak for day, peak, _p in response.context["ahead"]}[3] == 0


def test_rooms_keep_their_distance_to_the_province_hall_once_vn_is_above_the_province(province):
    """The province, not the root, decides the hall a room is measured to (the demo puts VN on top)."""
    from rooms.selectors.endpoints import distance_details

    rooms = [province.ep_d1.pk, province.ep_c1.pk, province.ep_c3.pk]
    before = distance_details(rooms)
    for structure in (Structure.LEGACY, Structure.CURRENT):
        vn = Unit.objects.create(structure=structure, code="VN", name="Việt Nam", level=Level.COUNTRY)
        Unit.objects.filter(structure=structure, level=Level.PROVINCE).update(parent=vn)
    after = distance_details(rooms)
    assert after == before
    assert all(found.km is not None for found in after.values())
