"""Attendance states follow from the records and the clock; GET /api/meetings/<id>/attendance/."""

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rooms.models import CheckIn, Meeting, MeetingStatus, Participation
from rooms.selectors.attendance import derive_attendance
from tests.conftest import make_user

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 08:00 in Hanoi
END = START + timedelta(hours=2)
pytestmark = pytest.mark.usefixtures("fast_password_hashing")
GRACE = timedelta(minutes=10)
ids = itertools.count(1)


def rec(kind: str, minutes: float, attendees: int | None = None, issue_type: str = "", note: str = ""):
    return SimpleNamespace(
        id=next(ids),
        kind=kind,
        at=START + timedelta(minutes=minutes),
        attendees=attendees,
        issue_type=issue_type,
        note=note,
    )


def derive(records, now_minutes: float, **extra):
    return derive_attendance(
        records, start=START, end=END, now=START + timedelta(minutes=now_minutes), grace_period=GRACE, **extra
    )


def test_an_endpoint_without_records_is_invited_until_the_grace_has_passed():
    assert derive([], -60).state == "invited"
    assert derive([], 9).state == "invited"
    assert derive([], 10).state == "no_show"
    assert derive([], 500).state == "no_show"


def test_an_endpoint_of_a_cancelled_meeting_is_never_a_no_show():
    assert derive([], 500, cancelled=True).state == "invited"
    assert not derive([], -5, cancelled=True).not_ready


def test_an_endpoint_not_checked_in_15_minutes_before_the_start_is_flagged_not_ready():
    assert not derive([], -16).not_ready
    assert derive([], -15).not_ready
    assert derive([], 5).not_ready
    assert not derive([rec("in", -20, 5)], -5).not_ready


def test_a_check_in_before_the_start_is_ready_then_connected_at_the_start():
    records = [rec("in", -20, 9)]
    before, after = derive(records, -1), derive(records, 0)
    assert before.state == "ready" and before.minutes_connected == 0 and not before.late
    assert after.state == "connected" and after.attendees == 9


def test_a_check_out_makes_it_left_and_stops_the_minutes():
    records = [rec("in", 0, 9), rec("out", 45)]
    result = derive(records, 90)
    assert result.state == "left"
    assert result.minutes_connected == 45
    assert result.checked_out_at == START + timedelta(minutes=45)


def test_minutes_run_to_the_end_without_a_check_out_and_are_clipped_to_the_meeting():
    records = [rec("in", -25, 9)]
    assert derive(records, 30).minutes_connected == 30  # still running: up to now
    assert derive(records, 500).minutes_connected == 120  # held: up to the end, not before the start


def test_a_check_out_before_the_first_check_in_does_not_count():
    records = [rec("out", 1), rec("in", 5, 3)]
    result = derive(records, 200)
    assert result.state == "connected" and result.checked_out_at is None and result.minutes_connected == 115


def test_minutes_follow_the_shared_definition_first_in_to_last_out_after_it():
    records = [rec("in", 0, 9), rec("out", 30), rec("in", 40, 7), rec("out", 90)]
    result = derive(records, 200)
    assert result.minutes_connected == 90
    assert result.attendees == 7  # the latest "in"


def test_late_means_the_first_check_in_after_start_plus_grace():
    assert not derive([rec("in", 10, 5)], 60).late
    assert derive([rec("in", 10.5, 5)], 60).late
    assert derive([rec("in", 11, 5)], 60).state == "connected"


def test_issues_are_listed_in_order_and_do_not_make_an_endpoint_attend():
    records = [rec("issue", 3, issue_type="no_sound", note="mic"), rec("issue", 1, issue_type="connection")]
    result = derive(records, 60)
    assert [i.issue_type for i in result.issues] == ["connection", "no_sound"]
    assert result.state == "no_show" and not result.attended


def test_records_at_the_same_instant_are_ordered_by_id():
    a, b = rec("in", 0, 4), rec("in", 0, 8)
    assert derive([b, a], 30).attendees == 8


kinds = st.sampled_from(["in", "out", "issue"])


@given(st.lists(st.tuples(kinds, st.integers(-30, 140).map(lambda m: m - m % 15)), max_size=6), st.integers(-40, 200))
def test_derived_figures_stay_within_the_meeting(events, now_minutes):
    records = [rec(kind, minutes, 3 if kind == "in" else None) for kind, minutes in events]
    result = derive(records, now_minutes)
    assert 0 <= result.minutes_connected <= 120
    assert result.attended == any(kind == "in" for kind, _ in events)
    assert (result.state in ("invited", "no_show")) == (not result.attended)
    if result.connected_from is not None:
        assert START <= result.connected_from < result.connected_until <= END


# --- through the API -------------------------------------------------------------------------


def checkin(meeting, endpoint, kind, at, attendees=None, **extra):
    return CheckIn.objects.create(
        meeting=meeting, endpoint=endpoint, kind=kind, at=at, attendees=attendees, client_id=uuid.uuid4(), **extra
    )


def board(api, user, meeting):
    response = api(user).get(f"/api/meetings/{meeting.pk}/attendance/")
    assert response.status_code == 200, response.content
    data = response.json()
    return data, {row["endpoint"]: row for row in data["endpoints"]}


@pytest.mark.django_db
def test_the_attendance_board_derives_every_state_from_the_clock(api, staff, clock, attendance_meeting, province):
    meeting = attendance_meeting(start=clock.now() + timedelta(minutes=20), minutes=60)
    checkin(meeting, province.host, "in", clock.now(), 80)
    checkin(meeting, province.ep_d1, "in", clock.now(), 12)
    data, rows = board(api, staff, meeting)
    assert data["type"] == "attendance" and data["meeting"] == meeting.pk and data["status"] == "scheduled"
    assert rows[province.host.pk]["state"] == "ready" and rows[province.host.pk]["is_host"]
    assert rows[province.ep_c1.pk]["state"] == "invited" and not rows[province.ep_c1.pk]["not_ready"]
    assert data["endpoints"][0]["endpoint"] == province.host.pk  # the host leads the board

    clock.advance(minutes=5)  # 15 minutes before the start
    _, rows = board(api, staff, meeting)
    assert rows[province.ep_c1.pk]["not_ready"]

    clock.advance(minutes=40)  # 25 minutes into the meeting
    checkin(meeting, province.ep_c1, "in", clock.now(), 9)
    checkin(meeting, province.ep_d1, "out", clock.now())
    checkin(meeting, province.ep_c2, "issue", clock.now(), issue_type="no_picture", note="Màn hình đen")
    data, rows = board(api, staff, meeting)
    assert data["status"] == "in_progress"
    assert rows[province.host.pk]["state"] == "connected" and rows[province.host.pk]["minutes_connected"] == 25
    assert rows[province.ep_c1.pk]["state"] == "connected" and rows[province.ep_c1.pk]["late"]
    assert rows[province.ep_d1.pk]["state"] == "left" and rows[province.ep_d1.pk]["minutes_connected"] == 25
    assert rows[province.ep_c2.pk]["state"] == "no_show"
    assert rows[province.ep_c2.pk]["issues"][0]["issue_type"] == "no_picture"
    assert rows[province.ep_c1.pk]["checked_in_at"].endswith("+07:00")
    totals = data["totals"]
    assert totals["endpoints"] == 6 and totals["attended"] == 3 and totals["connected"] == 2
    assert totals["left"] == 1 and totals["no_show"] == 3 and totals["late"] == 1
    assert totals["attendees"] == 80 + 12 + 9 and totals["attendance_rate"] == 0.5

    clock.advance(hours=2)
    data, rows = board(api, staff, meeting)
    assert data["status"] == "held"
    assert rows[province.host.pk]["minutes_connected"] == 60


@pytest.mark.django_db
def test_a_cancelled_meeting_still_shows_who_was_invited(api, staff, clock, attendance_meeting):
    meeting = attendance_meeting(start=clock.now() - timedelta(hours=3))
    Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.CANCELLED, cancelled_at=clock.now())
    Participation.objects.filter(meeting=meeting).update(active=False)
    data, rows = board(api, staff, meeting)
    assert data["status"] == "cancelled" and len(rows) == 6
    assert {row["state"] for row in rows.values()} == {"invited"}


@pytest.mark.django_db
def test_who_may_read_a_meetings_attendance(api, clock, attendance_meeting, province, operator, district_staff, leader):
    in_cao_loc = attendance_meeting(start=clock.now(), endpoints=[province.ep_d2, province.ep_c3])
    in_van_lang = attendance_meeting(start=clock.now() + timedelta(hours=3), endpoints=[province.ep_c1])
    outsider = make_user("kythuat_khac", "operator", province.c2)
    nobody = make_user("khach", None)
    assert api(leader).get(f"/api/meetings/{in_cao_loc.pk}/attendance/").status_code == 200
    # The host (province hall) is outside the district, but the commune room is inside.
    assert api(district_staff).get(f"/api/meetings/{in_van_lang.pk}/attendance/").status_code == 200
    assert api(district_staff).get(f"/api/meetings/{in_cao_loc.pk}/attendance/").status_code == 403
    assert api(operator).get(f"/api/meetings/{in_van_lang.pk}/attendance/").status_code == 200
    assert api(operator).get(f"/api/meetings/{in_cao_loc.pk}/attendance/").status_code == 403
    assert api(outsider).get(f"/api/meetings/{in_van_lang.pk}/attendance/").status_code == 403
    assert api(nobody).get(f"/api/meetings/{in_van_lang.pk}/attendance/").status_code == 403
    assert api().get(f"/api/meetings/{in_van_lang.pk}/attendance/").status_code == 401
    assert api(leader).get("/api/meetings/987654/attendance/").status_code == 404


@pytest.mark.django_db
def test_the_board_costs_a_fixed_number_of_queries(
    api, staff, clock, attendance_meeting, province, django_assert_max_num_queries
):
    meeting = attendance_meeting(start=clock.now())
    for endpoint in [province.host, province.ep_d1, province.ep_c1, province.ep_c2]:
        checkin(meeting, endpoint, "in", clock.now(), 5)
    client = api(staff)
    client.get(f"/api/meetings/{meeting.pk}/attendance/")  # warm the role cache of this user object
    with django_assert_max_num_queries(12):
        assert client.get(f"/api/meetings/{meeting.pk}/attendance/").status_code == 200
