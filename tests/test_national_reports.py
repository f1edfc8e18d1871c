"""Reports over the national network: participants' provinces, group_by=province, legacy_units in
coverage, and the whole country as the default of readers without a home unit."""

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import User

from rooms.models import CheckIn, Endpoint, Level, Meeting, Participation, Role, Structure, Unit
from tests.conftest import make_endpoint, make_user

pytestmark = pytest.mark.django_db
FEB = datetime(2026, 2, 2, 1, 0, tzinfo=UTC)
SAVINGS, USAGE, COVERAGE = "/api/reports/savings/", "/api/reports/usage/", "/api/reports/coverage/"


def unit(code: str, name: str, level: str, parent: Unit | None, structure: str = Structure.CURRENT) -> Unit:
    return Unit.objects.create(structure=structure, code=code, name=name, level=level, parent=parent)


@pytest.fixture
def nation(db: None) -> SimpleNamespace:
    """VN with two provinces on the current tree, one commune room each, and the Government hall;
    Lạng Sơn's current commune Tân Thanh absorbed three legacy communes."""
    vn = unit("VN", "Việt Nam", Level.COUNTRY, None)
    ls = unit("20", "Tỉnh Lạng Sơn", Level.PROVINCE, vn)
    cb = unit("04", "Tỉnh Cao Bằng", Level.PROVINCE, vn)
    tan_thanh = unit("06280", "Xã Tân Thanh", Level.COMMUNE, ls)
    hoa_an = unit("01273", "Xã Hòa An", Level.COMMUNE, cb)
    old_vn = unit("VN", "Việt Nam", Level.COUNTRY, None, Structure.LEGACY)
    old_ls = unit("20", "Tỉnh Lạng Sơn", Level.PROVINCE, old_vn, Structure.LEGACY)
    van_lang = unit("178", "Huyện Văn Lãng", Level.DISTRICT, old_ls, Structure.LEGACY)
    olds = [
        unit(code, name, Level.COMMUNE, van_lang, Structure.LEGACY)
        for code, name in [
            ("06280", "Xã Tân Thanh"),
            ("06283", "Xã Hoàng Việt"),
            ("06286", "Xã Tân Mỹ"),
            ("06289", "Xã Hồng Thái"),
        ]
    ]
    tan_thanh.absorbed.set(olds[:3])
    hall = make_endpoint(vn, "Hội trường Chính phủ", road_km=0)
    room_ls = make_endpoint(ls, "Hội trường UBND tỉnh Lạng Sơn", road_km=Decimal(150))
    room_tt = make_endpoint(tan_thanh, road_km=Decimal(40))
    room_ha = make_endpoint(hoa_an, road_km=Decimal(30))
    return SimpleNamespace(
        vn=vn,
        ls=ls,
        cb=cb,
        tan_thanh=tan_thanh,
        olds=olds,
        hall=hall,
        room_ls=room_ls,
        room_tt=room_tt,
        room_ha=room_ha,
    )


def national_conference(nation: SimpleNamespace, heads: dict[Endpoint, int], start: datetime = FEB) -> Meeting:
    staff = User.objects.filter(username="vpcp").first() or make_user("vpcp", Role.STAFF)
    end = start + timedelta(minutes=90)
    meeting = Meeting.objects.create(
        title="Hội nghị toàn quốc", host=nation.hall, start=start, end=end, organizer=staff
    )
    for endpoint in [nation.hall, *heads]:
        if endpoint.pk == nation.hall.pk and Participation.objects.filter(meeting=meeting, endpoint=endpoint).exists():
            continue
        Participation.objects.create(
            meeting=meeting, endpoint=endpoint, is_host=endpoint.pk == nation.hall.pk, start=start, end=end
        )
    for endpoint, attendees in heads.items():
        CheckIn.objects.create(
            meeting=meeting, endpoint=endpoint, kind="in", attendees=attendees, client_id=uuid.uuid4(), at=start
        )
        CheckIn.objects.create(meeting=meeting, endpoint=endpoint, kind="out", client_id=uuid.uuid4(), at=end)
    return meeting


@pytest.fixture
def conference(nation, clock):
    return national_conference(nation, {nation.hall: 20, nation.room_ls: 10, nation.room_tt: 4, nation.room_ha: 3})


@pytest.fixture
def reader(nation):
    return make_user("lanhdao_tw", Role.LEADER)


class TestProvinceFilter:
    def test_a_province_gets_its_participants_of_a_conference_hosted_elsewhere(self, api, reader, conference):
        body = api(reader).get(SAVINGS, {"province": "20", "group_by": "endpoint"}).json()
        assert [r["endpoint_name"] for r in body["rows"]] == ["Hội trường UBND tỉnh Lạng Sơn", "UBND Xã Tân Thanh"]
        assert body["totals"]["participations"] == 2
        assert body["totals"]["attendees"] == 14

    def test_another_province_gets_its_own_participants(self, api, reader, conference):
        body = api(reader).get(SAVINGS, {"province": "04"}).json()
        assert body["totals"]["participations"] == 1
        assert body["totals"]["attendees"] == 3

    def test_usage_filters_by_the_participants_province_too(self, api, reader, nation, conference):
        body = api(reader).get(USAGE, {"province": "04", "group_by": "endpoint"}).json()
        assert [r["endpoint"] for r in body["rows"]] == [nation.room_ha.pk]
        assert body["totals"]["participations"] == 1
        assert body["totals"]["attended"] == 1


class TestGroupByProvince:
    def test_savings_rows_are_keyed_by_the_participants_province(self, api, reader, conference):
        rows = api(reader).get(SAVINGS, {"group_by": "province"}).json()["rows"]
        assert [(r["province"], r["province_name"], r["participations"], r["attendees"]) for r in rows] == [
            (None, "Trung ương / khác", 1, 20),
            ("04", "Tỉnh Cao Bằng", 1, 3),
            ("20", "Tỉnh Lạng Sơn", 2, 14),
        ]
        assert all(r["meetings"] == 1 for r in rows)

    def test_province_combines_with_month(self, api, reader, nation, conference):
        national_conference(nation, {nation.room_ha: 5}, start=FEB - timedelta(days=28))
        rows = api(reader).get(SAVINGS, {"group_by": "province,month"}).json()["rows"]
        assert [(r["province"], r["month"], r["participations"]) for r in rows] == [
            (None, "2026-02", 1),
            ("04", "2026-01", 1),
            ("04", "2026-02", 1),
            ("20", "2026-02", 2),
        ]

    def test_usage_rows_are_keyed_by_province(self, api, reader, conference):
        rows = api(reader).get(USAGE, {"group_by": "province"}).json()["rows"]
        assert [(r["province"], r["participations"], r["attended"]) for r in rows] == [
            (None, 1, 1),
            ("04", 1, 1),
            ("20", 2, 2),
        ]

    def test_an_unknown_group_is_refused(self, api, reader, conference):
        response = api(reader).get(USAGE, {"group_by": "province,commune"})
        assert response.status_code == 400
        assert "group_by" in response.json()


class TestLegacyUnits:
    def test_a_new_room_serves_every_commune_its_commune_absorbed(self, api, nation):
        admin = make_user("quantri", Role.ADMINISTRATOR)
        body = {"name": "Phòng họp xã Tân Thanh mới", "unit": "06280", "unit_structure": "current"}
        response = api(admin).post("/api/endpoints/", body, format="json")
        assert response.status_code == 201, response.json()
        assert response.json()["legacy_units"] == ["06280", "06283", "06286"]
        assert response.json()["legacy_unit"] == "06280"
        room = Endpoint.objects.get(pk=response.json()["id"])
        assert sorted(room.legacy_units.values_list("code", flat=True)) == ["06280", "06283", "06286"]

    def test_legacy_coverage_counts_each_absorbed_commune(self, api, reader, nation, clock):
        from rooms.services.endpoints import create_endpoint

        create_endpoint(
            by=None,
            name="Điểm cầu Tân Thanh",
            unit=nation.tan_thanh,
            status="in_service",
            status_since=date(2025, 8, 1),
        )
        body = api(reader).get(COVERAGE, {"province": "20", "structure": "legacy"}).json()
        assert (body["communes"], body["installed"], body["in_service"]) == (4, 3, 3)
        assert [m["code"] for m in body["missing"]] == ["06289"]

    def test_legacy_units_can_be_named_and_refused_off_the_legacy_tree(self, api, nation):
        admin = make_user("quantri", Role.ADMINISTRATOR)
        url = f"/api/endpoints/{nation.room_tt.pk}/"
        response = api(admin).patch(url, {"legacy_units": ["06289"]}, format="json")
        assert response.status_code == 200
        assert response.json()["legacy_units"] == ["06289"]
        response = api(admin).patch(url, {"legacy_units": ["99999"]}, format="json")
        assert response.status_code == 400
        assert "legacy_units" in response.json()
        assert list(nation.room_tt.legacy_units.values_list("code", flat=True)) == ["06289"]


class TestWholeCountry:
    def test_a_reader_without_a_home_unit_gets_the_whole_country_by_province(self, api, reader, nation, clock):
        body = api(reader).get(COVERAGE).json()
        assert body["province"]["code"] == "all"
        assert [(r["code"], r["communes"], r["installed"]) for r in body["by_province"]] == [
            ("04", 1, 1),
            ("20", 1, 1),
        ]

    def test_a_provincial_reader_gets_their_province(self, api, nation, clock):
        leader = make_user("lanhdao_cb", Role.LEADER, nation.cb)
        body = api(leader).get(COVERAGE).json()
        assert body["province"]["code"] == "04"
        assert body["by_province"] == []

    def test_the_coverage_page_shows_the_table_of_provinces(self, reader, nation, clock):
        from django.test import Client

        client = Client()
        client.force_login(reader)
        page = client.get("/bao-cao/phu-song/")
        assert page.status_code == 200
        assert 'id="theo-tinh"' in page.content.decode()
        assert "Tỉnh Cao Bằng" in page.content.decode()

    def test_the_dashboard_shows_the_whole_country(self, reader, conference):
        from django.test import Client

        client = Client()
        client.force_login(reader)
        page = client.get("/bao-cao/")
        assert page.status_code == 200
        assert "group_by=province%2Cmonth" in page.content.decode()
        assert page.context["coverage"]["report"]["province"]["code"] == "all"


def test_the_demo_imports_commune_operators_and_a_nationwide_target_once(nation):
    import io

    from django.core.management.base import OutputWrapper

    from rooms.demo import natadmin
    from rooms.models import CoverageTarget

    for _ in range(2):
        natadmin.load(stdout=OutputWrapper(io.StringIO()))
    operator = User.objects.get(username="kythuat_xa1")
    assert list(operator.operated_endpoints.all()) == [nation.room_tt]
    assert operator.profile.full_name == "Nông Văn Thắng"
    assert CoverageTarget.objects.filter(province_code="all").count() == 1
