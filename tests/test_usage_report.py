"""The usage report: pandas functions on tiny hand-built frames, then GET /api/reports/usage/."""

import io
import uuid
from datetime import UTC, datetime, timedelta

import openpyxl
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from analytics import months, usage
from rooms.models import CheckIn, Level, Meeting, MeetingStatus, Participation, Structure, Unit
from tests.conftest import make_endpoint, make_user

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
GRACE = timedelta(minutes=10)
T0 = pd.Timestamp("2026-03-02 01:00", tz="UTC")  # 08:00 in Hanoi


def ts(minutes: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(minutes=minutes)


def frame(columns: dict[str, str], rows: tuple) -> pd.DataFrame:
    """A frame with these columns and dtypes, from rows given as tuples in the columns' order."""
    return pd.DataFrame(
        {name: pd.Series([r[i] for r in rows], dtype=dtype) for i, (name, dtype) in enumerate(columns.items())}
    )


UTC_TIME = "datetime64[ns, UTC]"


def meetings_frame(*rows) -> pd.DataFrame:
    return frame({"meeting": "int64", "host": "int64", "start": UTC_TIME, "end": UTC_TIME}, rows)


def participations_frame(*rows) -> pd.DataFrame:
    return frame({"meeting": "int64", "endpoint": "int64", "is_host": "bool"}, rows)


def checkins_frame(*rows) -> pd.DataFrame:
    columns = {
        "id": "int64",
        "meeting": "int64",
        "endpoint": "int64",
        "kind": "string",
        "attendees": "Int64",
        "at": UTC_TIME,
    }
    return frame(columns, tuple((number, *row) for number, row in enumerate(rows, start=1)))


def test_participation_facts_follow_the_shared_definitions():
    meetings = meetings_frame((1, 10, ts(0), ts(120)))
    participations = participations_frame((1, 10, True), (1, 20, False), (1, 30, False))
    checkins = checkins_frame(
        (1, 10, "in", 50, ts(-5)), (1, 20, "in", 8, ts(20)), (1, 20, "out", None, ts(90)), (1, 99, "in", 3, ts(0))
    )
    facts = usage.participation_facts(meetings, participations, checkins, now=ts(500).to_pydatetime(), grace=GRACE)
    expected = pd.DataFrame(
        {
            "meeting": pd.Series([1, 1, 1], dtype="int64"),
            "endpoint": pd.Series([10, 20, 30], dtype="int64"),
            "is_host": [True, False, False],
            "attended": [True, True, False],
            "late": [False, True, False],
            "no_show": [False, False, True],
            "minutes_connected": pd.Series([120, 70, 0], dtype="int64"),
            "connected_from": pd.Series([ts(0), ts(20), pd.NaT], dtype="datetime64[ns, UTC]"),
            "connected_until": pd.Series([ts(120), ts(90), pd.NaT], dtype="datetime64[ns, UTC]"),
        }
    )
    assert_frame_equal(facts, expected)


def facts_frame(*rows) -> pd.DataFrame:
    """meeting, endpoint, is_host, attended, late, minutes, from, until (no_show: not attended)."""
    columns = {"meeting": "int64", "endpoint": "int64", "is_host": "bool", "attended": "bool", "late": "bool"}
    columns |= {
        "no_show": "bool",
        "minutes_connected": "int64",
        "connected_from": UTC_TIME,
        "connected_until": UTC_TIME,
    }
    return frame(columns, tuple((*row[:5], not row[3], *row[5:]) for row in rows))


def test_meeting_facts_find_ghosts_actual_hours_and_the_local_month():
    # Meeting 2 starts 00:30 on 1 April in Hanoi, still 31 March in UTC.
    april = pd.Timestamp("2026-03-31 17:30", tz="UTC")
    meetings = meetings_frame((1, 10, ts(0), ts(120)), (2, 10, april, april + pd.Timedelta(hours=1)))
    facts = facts_frame(
        (1, 10, True, True, False, 110, ts(10), ts(120)),
        (1, 20, False, True, True, 60, ts(15), ts(75)),
        (2, 10, True, True, False, 60, april, april + pd.Timedelta(hours=1)),
        (2, 20, False, False, False, 0, pd.NaT, pd.NaT),
    )
    expected = pd.DataFrame(
        {
            "meeting": pd.Series([1, 2], dtype="int64"),
            "month": pd.Series([202603, 202604], dtype="int64"),
            "scheduled_hours": [2.0, 1.0],
            "actual_hours": [110 / 60, 1.0],
            "ghost": [False, True],
        }
    )
    assert_frame_equal(usage.meeting_facts(meetings, facts), expected)


def test_a_meeting_where_nobody_connected_at_all_is_a_ghost_with_no_actual_hours():
    meetings = meetings_frame((1, 10, ts(0), ts(60)))
    facts = facts_frame((1, 10, True, False, False, 0, pd.NaT, pd.NaT), (1, 20, False, False, False, 0, pd.NaT, pd.NaT))
    result = usage.meeting_facts(meetings, facts)
    assert result["ghost"].tolist() == [True] and result["actual_hours"].tolist() == [0.0]


def test_usage_by_counts_a_meeting_once_per_group_and_endpoints_each():
    facts = facts_frame(
        (1, 10, True, True, False, 120, ts(0), ts(120)),
        (1, 20, False, True, True, 60, ts(20), ts(80)),
        (1, 30, False, False, False, 0, pd.NaT, pd.NaT),
        (2, 10, True, True, False, 60, ts(0), ts(60)),
        (2, 30, False, False, False, 0, pd.NaT, pd.NaT),
    ).assign(district=[0, 5, 5, 0, 5])
    per_meeting = pd.DataFrame(
        {
            "meeting": pd.Series([1, 2], dtype="int64"),
            "month": ["2026-03", "2026-03"],
            "scheduled_hours": [2.0, 1.0],
            "actual_hours": [2.0, 1.0],
            "ghost": [False, True],
        }
    )
    rows = usage.usage_by(facts, per_meeting, "district")
    expected = pd.DataFrame(
        {
            "district": pd.Series([0, 5], dtype="int64"),
            "meetings": pd.Series([2, 2], dtype="int64"),
            "hours": [3.0, 3.0],
            "scheduled_hours": [3.0, 3.0],
            "actual_hours": [3.0, 3.0],
            "endpoint_hours": [3.0, 1.0],
            "participations": pd.Series([2, 3], dtype="int64"),
            "attended": pd.Series([2, 1], dtype="int64"),
            "attendance_rate": [1.0, 0.3333],
            "no_shows": pd.Series([0, 2], dtype="int64"),
            "late": pd.Series([0, 1], dtype="int64"),
            "ghost_meetings": pd.Series([1, 1], dtype="int64"),
        }
    )
    assert_frame_equal(rows, expected)
    totals = usage.usage_totals(facts, per_meeting)
    assert totals["meetings"] == 2 and totals["participations"] == 5 and totals["ghost_meetings"] == 1
    assert totals["hours"] == 3.0 and totals["attendance_rate"] == 0.6 and totals["endpoint_hours"] == 4.0


def test_totals_of_nothing_are_zeros():
    empty = facts_frame()
    per_meeting = pd.DataFrame(
        {"meeting": pd.Series(dtype="int64"), "month": [], "scheduled_hours": [], "actual_hours": [], "ghost": []}
    )
    assert usage.usage_totals(empty, per_meeting) == {
        name: 0 if name in usage.INT_MEASURES else 0.0 for name in usage.MEASURES
    }


def test_months_without_meetings_get_zero_rows():
    rows = pd.DataFrame({"month": [202602], **{m: [1] for m in usage.MEASURES}})
    filled = months.fill(rows, 202601, 202603)
    assert filled["month"].tolist() == [202601, 202602, 202603]
    assert filled["meetings"].tolist() == [0, 1, 0] and filled["meetings"].dtype == "int64"


def test_the_district_of_an_endpoint_is_its_legacy_district():
    units = pd.DataFrame(
        {
            "unit": pd.Series([1, 2, 3, 4, 5], dtype="int64"),
            "code": pd.Series(["20", "178", "06280", "20", "06281"], dtype="string"),
            "name": pd.Series(["Lạng Sơn", "Văn Lãng", "Tân Thanh", "Lạng Sơn", "Tân Thanh (mới)"], dtype="string"),
            "level": pd.Series(["province", "district", "commune", "province", "commune"], dtype="string"),
            "structure": pd.Series(["legacy"] * 3 + ["current"] * 2, dtype="string"),
            "parent": pd.Series([0, 1, 2, 0, 4], dtype="int64"),
            "difficult": pd.Series([False] * 5, dtype="bool"),
        }
    )
    endpoints = pd.DataFrame(
        {
            "endpoint": pd.Series([7, 8, 9, 10], dtype="int64"),
            "name": pd.Series(["Tỉnh", "Huyện", "Xã cũ", "Xã mới"], dtype="string"),
            "unit": pd.Series([1, 2, 3, 5], dtype="int64"),
            "legacy_unit": pd.Series([0, 0, 0, 3], dtype="int64"),
            "road_km": pd.Series([0.0, 40.0, 50.0, 50.0], dtype="float64"),
        }
    )
    places = usage.endpoint_districts(endpoints, units).set_index("endpoint")
    assert places["district"].tolist() == [0, 2, 2, 2]
    assert places["district_code"].tolist() == [None, "178", "178", "178"]


# --- the API ------------------------------------------------------------------------------------

URL = "/api/reports/usage/"


def checkin(meeting, endpoint, kind, minutes, attendees=None):
    CheckIn.objects.create(
        meeting=meeting,
        endpoint=endpoint,
        kind=kind,
        attendees=attendees,
        at=meeting.start + timedelta(minutes=minutes),
        client_id=uuid.uuid4(),
    )


@pytest.fixture
def history(clock, attendance_meeting, province):
    """Three held meetings in February, one running now, one cancelled."""
    feb = datetime(2026, 2, 10, 1, 0, tzinfo=UTC)
    full = attendance_meeting(start=feb, minutes=120, title="Giao ban tháng 2")
    checkin(full, province.host, "in", -5, 60)
    checkin(full, province.ep_d1, "in", 0, 10)
    checkin(full, province.ep_c1, "in", 25, 8)  # late
    checkin(full, province.ep_c1, "out", 85)
    ghost = attendance_meeting(start=feb + timedelta(days=1), minutes=60, title="Không ai vào")
    checkin(ghost, province.host, "in", 0, 40)
    short = attendance_meeting(start=feb + timedelta(days=2), minutes=60, endpoints=[province.ep_d2], title="Cao Lộc")
    checkin(short, province.ep_d2, "in", 0, 5)
    checkin(short, province.host, "in", 0, 5)
    running = attendance_meeting(start=clock.now() - timedelta(minutes=30))
    checkin(running, province.host, "in", 0, 50)
    cancelled = attendance_meeting(start=feb + timedelta(days=3))
    Meeting.objects.filter(pk=cancelled.pk).update(status=MeetingStatus.CANCELLED, cancelled_at=clock.now())
    Participation.objects.filter(meeting=cancelled).update(active=False)
    return full, ghost, short


@pytest.mark.django_db
def test_the_report_counts_held_meetings_by_month(api, leader, history):
    response = api(leader).get(URL, {"start": "2026-01-01", "end": "2026-03-31"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert [row["month"] for row in data["rows"]] == ["2026-01", "2026-02", "2026-03"]
    feb = data["rows"][1]
    assert feb["meetings"] == 3 and feb["hours"] == 4.0 and feb["scheduled_hours"] == 4.0
    assert feb["participations"] == 6 + 6 + 2 and feb["attended"] == 3 + 1 + 2
    assert feb["no_shows"] == 8 and feb["late"] == 1 and feb["ghost_meetings"] == 1
    # full: host 120 + d1 120 + c1 60 (25'→85'); ghost: host 60; short: 60 + 60
    assert feb["endpoint_hours"] == round((120 + 120 + 60 + 60 + 60 + 60) / 60, 2)
    assert feb["actual_hours"] == 4.0
    assert feb["attendance_rate"] == round(6 / 14, 4)
    assert data["rows"][2]["meetings"] == 0  # the running meeting is not held yet
    assert data["totals"]["meetings"] == 3 and data["totals"]["ghost_meetings"] == 1


@pytest.mark.django_db
def test_the_report_groups_by_legacy_district_and_by_endpoint(api, leader, history, province):
    rows = api(leader).get(URL, {"group_by": "district"}).json()["rows"]
    by_code = {row["district"]: row for row in rows}
    assert set(by_code) == {None, "178", "180"}
    assert by_code["178"]["district_name"] == "Huyện Văn Lãng"
    assert by_code["178"]["meetings"] == 2 and by_code["178"]["participations"] == 6
    assert by_code["180"]["meetings"] == 3  # the district hall in all three, Thụy Hùng in two
    assert by_code[None]["participations"] == 3  # the province hall hosted all three
    rows = api(leader).get(URL, {"group_by": "endpoint"}).json()["rows"]
    c1 = next(row for row in rows if row["endpoint"] == province.ep_c1.pk)
    assert c1["endpoint_name"] == province.ep_c1.name and c1["late"] == 1 and c1["endpoint_hours"] == 1.0


@pytest.mark.django_db
def test_a_district_user_sees_only_their_endpoints(api, district_staff, history):
    data = api(district_staff).get(URL, {"group_by": "district"}).json()
    assert [row["district"] for row in data["rows"]] == ["178"]
    assert data["totals"]["meetings"] == 2 and data["totals"]["ghost_meetings"] == 1


@pytest.mark.django_db
def test_current_tree_endpoints_roll_up_to_their_legacy_district(api, leader, clock, attendance_meeting, province):
    current = Unit.objects.create(structure=Structure.CURRENT, code="20", name="Tỉnh Lạng Sơn", level=Level.PROVINCE)
    commune = Unit.objects.create(
        structure=Structure.CURRENT, code="06281", name="Xã Tân Thanh", level=Level.COMMUNE, parent=current
    )
    room = make_endpoint(commune, legacy_unit=province.c1)
    meeting = attendance_meeting(start=clock.now() - timedelta(days=3), endpoints=[room])
    checkin(meeting, room, "in", 0, 4)
    rows = api(leader).get(URL, {"group_by": "district"}).json()["rows"]
    assert {row["district"]: row["attended"] for row in rows} == {None: 0, "178": 1}


@pytest.mark.django_db
def test_the_report_exports_csv_and_xlsx(api, staff, history):
    csv = api(staff).get(URL, {"format": "csv", "group_by": "district"})
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Mã huyện,Huyện,Số cuộc họp")
    assert "Huyện Văn Lãng" in text
    xlsx = api(staff).get(URL, {"format": "xlsx"})
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Sử dụng", "Tổng cộng"]
    header = [cell.value for cell in book["Sử dụng"][1]]
    assert header[:3] == ["Tháng", "Số cuộc họp", "Số giờ họp"]
    assert book["Tổng cộng"]["A2"].value == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"group_by": "week"}, "group_by"),
        ({"start": "yesterday"}, "start"),
        ({"start": "2026-03-01", "end": "2026-02-01"}, "end"),
        ({"end": "1999-12-31"}, "end"),
        ({"format": "pdf"}, "format"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(api, leader, params, field):
    response = api(leader).get(URL, params)
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.django_db
def test_only_report_readers_may_see_usage(api, operator, admin_user, leader):
    assert api(operator).get(URL).status_code == 403
    assert api().get(URL).status_code == 401
    assert api(admin_user).get(URL).status_code == 200
    assert api(make_user("khach", None)).get(URL).status_code == 403


@pytest.mark.django_db
def test_an_empty_period_answers_zeros(api, leader, province):
    data = api(leader).get(URL, {"start": "2026-01-01", "end": "2026-01-31", "group_by": "endpoint"}).json()
    assert data["rows"] == [] and data["totals"]["meetings"] == 0


def test_actual_hours_follow_the_host_or_else_the_endpoints():
    meetings = meetings_frame((1, 10, ts(0), ts(120)), (2, 10, ts(200), ts(320)))
    facts = facts_frame(
        # Meeting 1: the host closed it after an hour although a commune stayed on.
        (1, 10, True, True, False, 60, ts(0), ts(60)),
        (1, 20, False, True, False, 90, ts(0), ts(90)),
        # Meeting 2: the host never checked in; two communes from 215' to 290'.
        (2, 10, True, False, False, 0, pd.NaT, pd.NaT),
        (2, 20, False, True, True, 60, ts(215), ts(275)),
        (2, 30, False, True, False, 70, ts(220), ts(290)),
    )
    result = usage.meeting_facts(meetings, facts)
    assert result["actual_hours"].tolist() == [1.0, 1.25]
    assert result["ghost"].tolist() == [False, False]
