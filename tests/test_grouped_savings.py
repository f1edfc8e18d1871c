"""The savings report read grouped by PostgreSQL (analytics/grouped.py) gives the figures of the
row-per-participation path: the same rows, totals and cost models, to the đồng."""

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest
from django.db import connection

from analytics import dashboard, grouped, payback, savings
from analytics.models import CostModel
from rooms.models import CheckIn, HeadCount, Level, Meeting, Participation, Role
from tests.conftest import make_endpoint, make_user
from tests.test_national_reports import nation, national_conference  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
JAN, FEB = datetime(2026, 1, 5, 1, 0, tzinfo=UTC), datetime(2026, 2, 2, 1, 0, tzinfo=UTC)
PERIOD = {"start": datetime(2025, 12, 1, tzinfo=UTC), "end": datetime(2026, 3, 1, tzinfo=UTC)}


@pytest.fixture(autouse=True)
def on_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the grouped read is PostgreSQL's")


def provincial(host, heads: dict, day: datetime, *, minutes: int = 120, delegates: int | None = None) -> Meeting:
    start = day + timedelta(hours=5)  # an afternoon: the national conferences are in the morning
    staff = make_user(f"staff-{uuid.uuid4().hex[:8]}", Role.STAFF)
    end = start + timedelta(minutes=minutes)
    meeting = Meeting.objects.create(
        title="Giao ban", host=host, start=start, end=end, organizer=staff, delegates_per_site=delegates
    )
    Participation.objects.create(meeting=meeting, endpoint=host, is_host=True, start=start, end=end)
    for endpoint, attendees in heads.items():
        if endpoint != host:
            Participation.objects.create(meeting=meeting, endpoint=endpoint, start=start, end=end)
        CheckIn.objects.create(
            meeting=meeting, endpoint=endpoint, kind="in", attendees=attendees, client_id=uuid.uuid4(), at=start
        )
    return meeting


@pytest.fixture
def network(nation, clock):  # noqa: F811
    """Two provinces' halls and communes, national conferences in January and February (two of
    them in one month), provincial briefings with a capped delegation, one too short to count,
    a room joining another province's briefing, and some head counts the bridge confirms."""
    nation.room_cb = make_endpoint(nation.cb, "Hội trường UBND tỉnh Cao Bằng", road_km=Decimal(0))
    nation.room_tt.legacy_unit = nation.olds[0]  # so Tân Thanh counts under Văn Lãng (178)
    nation.room_tt.save(update_fields=["legacy_unit"])
    everyone = [nation.hall, nation.room_ls, nation.room_tt, nation.room_ha, nation.room_cb]
    for number, start in enumerate([JAN, FEB, FEB + timedelta(days=7), FEB + timedelta(days=21)]):
        national_conference(nation, {room: 2 + (number * 3 + i) % 9 for i, room in enumerate(everyone)}, start)
    for day in range(3, 8):
        provincial(nation.room_ls, {nation.room_ls: 12, nation.room_tt: day}, FEB + timedelta(days=day))
    provincial(nation.room_ls, {nation.room_ls: 9, nation.room_tt: 7}, FEB + timedelta(days=10), delegates=2)
    provincial(nation.room_ls, {nation.room_ls: 9, nation.room_tt: 7}, FEB + timedelta(days=11), minutes=10)
    provincial(nation.room_cb, {nation.room_cb: 6, nation.room_ha: 0, nation.room_ls: 4}, FEB + timedelta(days=12))
    HeadCount.objects.filter(endpoint__in=[nation.room_tt, nation.hall]).update(confirmed=True)
    return nation


@pytest.fixture
def provincial_rates(network):
    """Lạng Sơn's own model from mid-February: other people per vehicle and per delegation, so a
    class's caps depend on the traveller's province and February splits in two epochs."""
    return CostModel.objects.create(
        province_code="20", effective_from=date(2026, 2, 16), source="Nghị quyết HĐND tỉnh",
        transport_vnd_per_km=3500, per_diem_vnd=200_000, lodging_vnd_per_night=350_000,
        vehicle_occupancy=3, default_delegates_per_site=5,
    )  # fmt: skip


def both_paths(monkeypatch, district: str | None = None, **query) -> tuple[dict, dict]:
    """The report's body read grouped, then row per participation."""
    reads = []
    compute = grouped.compute

    def counting(**arguments):
        reads.append(arguments)
        return compute(**arguments)

    monkeypatch.setattr(grouped, "compute", counting)
    read_grouped = savings.build_report(**PERIOD, district=district, **query).body
    assert len(reads) == 1
    monkeypatch.setattr(grouped, "applies", lambda *arguments: False)
    return read_grouped, savings.build_report(**PERIOD, district=district, **query).body


def assert_same_report(first: dict, second: dict) -> None:
    pd.testing.assert_frame_equal(first["rows"], second["rows"])
    assert first["totals"] == second["totals"]
    assert first["cost_models"] == second["cost_models"]


@pytest.mark.parametrize(
    "group_by",
    [["month"], ["province"], ["province", "month"], ["month", "province"], ["district"], ["month", "district"]],
)
def test_the_grouped_read_gives_the_same_report_as_one_row_per_participation(monkeypatch, network, group_by):
    by_class, by_row = both_paths(monkeypatch, group_by=group_by, province=None, user=None)
    assert_same_report(by_class, by_row)


def test_classes_of_more_meetings_than_a_bigint_has_bits_are_read_in_parts(monkeypatch, network):
    monkeypatch.setattr(grouped, "SLOTS", 2)  # Lạng Sơn's six February briefings: three parts
    by_class, by_row = both_paths(monkeypatch, group_by=["province", "month"], province=None, user=None)
    assert by_class["totals"]["participations"] == HeadCount.objects.count() - 2  # the short briefing
    assert by_class["totals"]["verified_money_vnd"] > 0
    assert_same_report(by_class, by_row)


@pytest.mark.parametrize("group_by", [["province", "month"], ["month"]])
def test_caps_that_depend_on_the_travellers_province_give_the_same_report(monkeypatch, provincial_rates, group_by):
    by_class, by_row = both_paths(monkeypatch, group_by=group_by, province=None, user=None)
    assert provincial_rates.pk in [model["id"] for model in by_class["cost_models"]]
    assert_same_report(by_class, by_row)


def test_a_province_filter_and_a_provincial_reader_give_the_same_report(monkeypatch, provincial_rates, network):
    by_class, by_row = both_paths(monkeypatch, group_by=["province", "month"], province="20", user=None)
    assert set(by_class["rows"]["province"]) == {"20"}
    assert_same_report(by_class, by_row)
    monkeypatch.undo()
    leader = make_user("lanhdao_cb", Role.LEADER, home_unit=network.cb)
    by_class, by_row = both_paths(monkeypatch, group_by=["month"], province=None, user=leader)
    cao_bang = [network.room_cb, network.room_ha]
    assert by_class["totals"]["participations"] == HeadCount.objects.filter(endpoint__in=cao_bang).count()
    assert_same_report(by_class, by_row)


def test_a_district_filter_gives_the_same_report(monkeypatch, network):
    by_class, by_row = both_paths(monkeypatch, group_by=["month"], province=None, user=None, district="178")
    assert by_class["totals"]["participations"] > 0
    assert_same_report(by_class, by_row)


def test_a_commune_reader_and_meeting_or_room_keys_keep_the_row_path(monkeypatch, network):
    commune_reader = make_user("xa_tan_thanh", Role.LEADER, home_unit=network.tan_thanh)
    assert network.tan_thanh.level == Level.COMMUNE
    monkeypatch.setattr(grouped, "compute", lambda **arguments: pytest.fail("read grouped"))
    body = savings.build_report(**PERIOD, district=None, group_by=["month"], province=None, user=commune_reader).body
    assert body["totals"]["participations"] == HeadCount.objects.filter(endpoint=network.room_tt).count() - 1
    assert not grouped.applies(["endpoint"])
    assert not grouped.applies(["month", "meeting"])


def test_the_dashboard_reads_grouped_and_shows_the_same_figures(monkeypatch, provincial_rates, network):
    reads = []
    compute = grouped.compute
    monkeypatch.setattr(grouped, "compute", lambda **arguments: reads.append(arguments) or compute(**arguments))
    # From 7 February: a period that starts inside two classes (the briefings, the conferences).
    query = {"province": None, "start": date(2026, 2, 7), "end": date(2026, 2, 28), "district": None}
    leader = make_user("lanhdao_tw", Role.LEADER)
    by_class = dashboard.dashboard_data(user=leader, **query)
    assert len(reads) == 1
    monkeypatch.setattr(grouped, "applies", lambda *arguments: False)
    by_row = dashboard.dashboard_data(user=leader, **query)
    assert by_class["totals"] == by_row["totals"]
    assert by_class["totals"]["participations"] > 0
    assert by_class["by_district"] == by_row["by_district"]
    assert by_class["cost_models"] == by_row["cost_models"]
    assert by_class["savings_chart"] == by_row["savings_chart"]


def test_a_sum_of_people_cannot_overflow_into_the_next_part():
    from vconf.limits import MAX_PEOPLE

    assert grouped.SLOTS * MAX_PEOPLE < 2**grouped.PEOPLE_BITS
    assert (grouped.SLOTS * MAX_PEOPLE + 1) * 2**grouped.PEOPLE_BITS < 2**53  # exact in a float8


def test_payback_reads_grouped_and_gives_the_same_figures(monkeypatch, provincial_rates):
    reads = []
    compute = grouped.compute
    monkeypatch.setattr(grouped, "compute", lambda **arguments: reads.append(arguments) or compute(**arguments))
    by_class = payback.compute_payback(province="20", as_of=date(2026, 2, 28))
    assert len(reads) == 1
    monkeypatch.setattr(grouped, "applies", lambda *arguments: False)
    by_row = payback.compute_payback(province="20", as_of=date(2026, 2, 28))
    pd.testing.assert_frame_equal(by_class.pop("frame"), by_row.pop("frame"))
    assert by_class == by_row
    assert by_class["totals"]["savings_vnd"] > 0
