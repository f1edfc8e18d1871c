"""The savings report through the API: the formula on a small province, filters, formats, access."""

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest

from rooms.models import CheckIn, Meeting, MeetingStatus, Participation

pytestmark = pytest.mark.django_db
URL = "/api/reports/savings/"
FEB = datetime(2026, 2, 2, 1, 0, tzinfo=UTC)  # Monday 2 February 2026, 08:00 in Hanoi


@pytest.fixture
def distances(province):
    """Entered road distances: Văn Lãng 40 km, Cao Lộc 8, Tân Thanh 60, Hoàng Việt 12 (especially
    difficult), Thụy Hùng 160 (lodging)."""
    for endpoint, km in [
        (province.ep_d1, 40),
        (province.ep_d2, 8),
        (province.ep_c1, 60),
        (province.ep_c2, 12),
        (province.ep_c3, 160),
    ]:
        endpoint.road_km = Decimal(km)
        endpoint.save()
    province.c2.especially_difficult = True
    province.c2.save()
    return province


@pytest.fixture
def february(distances, held_meeting, clock):
    """One meeting on 2 February 2026 (Circular 12/2025 rates); Tân Thanh did not check in."""
    p = distances
    return held_meeting(start=FEB, heads={p.host: 10, p.ep_d1: 5, p.ep_d2: 3, p.ep_c2: 2, p.ep_c3: 4})


def test_leaders_get_the_savings_of_a_meeting_by_the_formula(api, leader, february):
    body = api(leader).get(URL, {"group_by": "meeting"}).json()
    # At most 3 travellers per site (the cost model's default delegation): Văn Lãng 3 × (80 × 4,000 +
    # 300,000) + Cao Lộc 8 km, under the 15 km transport threshold, nothing + Hoàng Việt (especially
    # difficult, 10 km threshold) 2 × (24 × 4,000 + 300,000) + Thụy Hùng 3 × (320 × 4,000 + 300,000 +
    # 350,000); the host is at 0 km; Tân Thanh did not attend. Person-km from travellers: 3 × 80 +
    # 3 × 16 + 2 × 24 + 3 × 320.
    assert body["rows"] == [
        {
            "meeting": february.pk,
            "title": "Giao ban trực tuyến",
            "start": "2026-02-02T08:00:00+07:00",
            "meetings": 1,
            "participations": 5,
            "attendees": 24,
            "travellers": 14,
            "person_km": 1296.0,
            "person_hours": 32.4,
            "money_vnd": 1_860_000 + 0 + 792_000 + 5_790_000,
            "co2_kg": 84.5,
            "reached_beyond_delegation": 10,
            "verified_money_vnd": 0,  # the bridge sent no call records
        }
    ]
    assert body["totals"]["trips_avoided"] == 4
    assert [m["effective_from"] for m in body["cost_models"]] == ["2025-05-04"]
    assert body["cost_models"][0]["per_diem_vnd"] == 300_000


def test_rows_are_keyed_by_month_district_or_endpoint(api, leader, february):
    client = api(leader)
    by_month = client.get(URL, {"group_by": "month", "start": "2026-01-01", "end": "2026-02-28"}).json()["rows"]
    assert [(r["month"], r["money_vnd"]) for r in by_month] == [("2026-01", 0), ("2026-02", 8_442_000)]
    by_district = client.get(URL, {"group_by": "district"}).json()["rows"]
    assert [(r["district"], r["participations"]) for r in by_district] == [(None, 1), ("178", 2), ("180", 2)]
    assert by_district[1]["district_name"] == "Huyện Văn Lãng"
    by_endpoint = client.get(URL, {"group_by": "endpoint"}).json()["rows"]
    assert list(by_endpoint[0])[:2] == ["endpoint", "endpoint_name"]
    assert len(by_endpoint) == 5
    both = client.get(URL, {"group_by": "month,district"}).json()["rows"]
    assert {(r["month"], r["district"]) for r in both} == {("2026-02", None), ("2026-02", "178"), ("2026-02", "180")}


def test_totals_by_month_equal_totals_by_meeting(api, leader, distances, held_meeting, clock):
    p = distances
    for week in range(6):
        held_meeting(
            start=datetime(2026, 1, 5, 1, 0, tzinfo=UTC) + timedelta(days=7 * week),
            heads={p.ep_d1: 3 + week, p.ep_c3: 1, p.ep_c2: week},
        )
    client = api(leader)
    by_month = client.get(URL, {"group_by": "month"}).json()
    by_meeting = client.get(URL, {"group_by": "meeting"}).json()
    assert by_month["totals"] == by_meeting["totals"]
    assert by_month["totals"]["meetings"] == 6
    assert sum(r["money_vnd"] for r in by_month["rows"]) == by_month["totals"]["money_vnd"]


def test_the_district_filter_keeps_its_endpoints_only(api, leader, february, distances):
    body = api(leader).get(URL, {"group_by": "endpoint", "district": "180"}).json()
    assert sorted(r["endpoint"] for r in body["rows"]) == sorted([distances.ep_d2.pk, distances.ep_c3.pk])
    assert body["totals"]["participations"] == 2


def test_cancelled_short_and_unfinished_meetings_save_nothing(api, leader, distances, held_meeting, clock):
    p = distances
    cancelled = held_meeting(start=FEB, heads={p.ep_d1: 5})
    Meeting.objects.filter(pk=cancelled.pk).update(status=MeetingStatus.CANCELLED, cancelled_at=FEB)
    Participation.objects.filter(meeting=cancelled).update(active=False)
    held_meeting(start=FEB + timedelta(days=1), minutes=25, heads={p.ep_d1: 5})  # under 30 minutes
    held_meeting(start=clock.now() - timedelta(minutes=30), minutes=60, heads={p.ep_d1: 5})  # still running
    body = api(leader).get(URL).json()
    assert body["totals"]["participations"] == 0
    assert body["totals"]["money_vnd"] == 0


def test_the_latest_in_record_gives_the_head_count(api, leader, distances, held_meeting, clock):
    meeting = held_meeting(start=FEB, heads={distances.ep_d2: 3})
    CheckIn.objects.create(
        meeting=meeting,
        endpoint=distances.ep_d2,
        kind="in",
        attendees=9,
        client_id=uuid.uuid4(),
        at=FEB + timedelta(minutes=20),
    )
    assert api(leader).get(URL).json()["totals"]["attendees"] == 9


def test_an_estimated_distance_is_used_and_counted_as_estimated(api, leader, province, held_meeting, clock):
    # Hoàng Việt has no entered distance: the Rollout estimate from coordinates is used.
    held_meeting(start=FEB, heads={province.ep_c2: 2})
    totals = api(leader).get(URL).json()["totals"]
    assert totals["participations_with_estimated_distance"] == 1
    assert totals["person_km"] > 0


def test_csv_has_a_bom_and_vietnamese_headers(api, leader, february):
    response = api(leader).get(URL, {"group_by": "month", "format": "csv"})
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Tháng"
    assert "Chi phí tiết kiệm (đồng)" in rows[0]
    february_row = next(row for row in rows if row[0] == "2026-02")
    assert february_row[rows[0].index("Chi phí tiết kiệm (đồng)")] == "8442000"


def test_an_xlsx_export_opens_with_vietnamese_headers_and_the_cost_models(api, leader, february):
    response = api(leader).get(URL, {"group_by": "district", "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:2] == ["Mã huyện", "Huyện"]
    assert "Chi phí tiết kiệm (đồng)" in headers
    money = sheet.cell(row=3, column=headers.index("Chi phí tiết kiệm (đồng)") + 1)
    assert money.number_format == "#,##0"
    assert "Mô hình chi phí" in book.sheetnames
    assert any("12/2025" in str(cell.value) for row in book["Mô hình chi phí"].iter_rows() for cell in row)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"group_by": "year"}, "group_by"),
        ({"group_by": "month,month"}, "group_by"),
        ({"start": "yesterday"}, "start"),
        ({"start": "2026-02-01", "end": "2026-01-01"}, "end"),
        ({"start": "1999-12-31"}, "start"),
        ({"district": "999"}, "district"),
        ({"province": "x" * 50}, "province"),
        ({"format": "pdf"}, "format"),
    ],
)
def test_bad_parameters_get_400_naming_them(api, leader, province, params, field):
    response = api(leader).get(URL, params)
    assert response.status_code == 400
    assert field in response.json()


def test_leaders_staff_and_administrators_read_but_operators_and_strangers_do_not(
    api, leader, staff, admin_user, operator, province
):
    for user in (leader, staff, admin_user):
        assert api(user).get(URL).status_code == 200
    assert api(operator).get(URL).status_code == 403
    assert api().get(URL).status_code == 401


def test_a_district_leader_sees_only_the_endpoints_of_the_district(api, distances, held_meeting, clock):
    from tests.conftest import make_user

    held_meeting(start=FEB, heads={distances.ep_d1: 5, distances.ep_c3: 2, distances.ep_c1: 1})
    district_leader = make_user("lanhdao_vanlang", "leader", distances.d1)
    rows = api(district_leader).get(URL, {"group_by": "endpoint"}).json()["rows"]
    assert sorted(r["endpoint"] for r in rows) == sorted([distances.ep_d1.pk, distances.ep_c1.pk])
