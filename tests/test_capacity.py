"""Capacity planning per bridge: booked ports per 15 minutes (peak, 95th percentile, hours above
80%), bookings refused for ports (recorded although the booking rolled back), and the projection."""

from datetime import date, timedelta

import pytest

from analytics.capacity import port_projection
from rooms.models import Meeting, PortRefusal
from tests.conftest import make_endpoint, orm_meeting
from tests.helpers import at, meeting_body


@pytest.fixture
def busy_day(province, staff):
    """Tuesday 3 March on a 10-port bridge: 6 ports 09:00–10:00 and 3 more 09:30–10:30."""
    province.bridge.ports = 10
    province.bridge.save()
    orm_meeting(province, staff, at(3, 9), 60, host=None, endpoints=None, title="Giao ban", bridge=province.bridge)
    rooms = [make_endpoint(province.c1, f"Phòng {n}", bridge=province.bridge) for n in range(3)]
    orm_meeting(
        province, staff, at(3, 9, 30), 60, host=rooms[0], endpoints=rooms, title="Chuyên đề", bridge=province.bridge
    )
    return province


def capacity(api, user, bridge, **params):
    params = {"from": at(3, 0).isoformat(), "to": at(4, 0).isoformat(), **params}
    return api(user).get(f"/api/bridges/{bridge.pk}/capacity/", params)


class TestFigures:
    def test_peak_percentile_and_hours_above_80_percent(self, api, leader, busy_day, clock):
        response = capacity(api, leader, busy_day.bridge)
        assert response.status_code == 200
        body = response.json()
        # Steps 09:00, 09:15: 6 ports; 09:30, 09:45: 9; 10:00, 10:15: 3. 38 working steps 07:30–17:00:
        # the 95th percentile lies 0.15 of the way from the 36th (6) to the 37th (9) value.
        assert (body["ports"], body["peak"], body["p95"], body["hours_above_80"]) == (10, 9, 6.45, 0.5)
        assert body["days"] == [{"day": "2026-03-03", "peak": 9, "hours_above_80": 0.5}]

    def test_cancelled_meetings_hold_no_ports(self, api, leader, busy_day, clock):
        Meeting.objects.filter(title="Chuyên đề").update(status="cancelled", cancelled_at=clock.now())
        body = capacity(api, leader, busy_day.bridge).json()
        assert (body["peak"], body["hours_above_80"]) == (6, 0.0)

    def test_operators_cannot_read_it(self, api, operator, busy_day, clock):
        assert capacity(api, operator, busy_day.bridge).status_code == 403

    def test_a_backwards_range_is_refused(self, api, leader, busy_day, clock):
        response = capacity(api, leader, busy_day.bridge, to=at(2, 0).isoformat())
        assert response.status_code == 400
        assert list(response.json()) == ["to"]

    def test_the_page_shows_the_figures(self, client, leader, busy_day, clock):
        client.force_login(leader)
        response = client.get(f"/mcu/{busy_day.bridge.pk}/cong-suat/", {"ngay": 2})
        assert response.status_code == 200
        assert "Cổng đặt nhiều nhất" in response.content.decode()


class TestRefusals:
    def test_a_refusal_for_ports_is_recorded_though_the_booking_rolled_back(self, api, staff, leader, busy_day, clock):
        busy_day.bridge.ports = 6
        busy_day.bridge.save()
        rooms = [make_endpoint(busy_day.c2, f"Phòng B{n}", bridge=busy_day.bridge) for n in range(2)]
        body = meeting_body(busy_day, at(3, 9), at(3, 10), endpoints=[rooms[1]], title="Họp thêm")
        body["host"] = rooms[0].pk
        response = api(staff).post("/api/meetings/", body, format="json")
        assert response.status_code == 409
        assert not Meeting.objects.filter(title="Họp thêm").exists()
        refusal = PortRefusal.objects.get()
        assert (refusal.bridge, refusal.ports_needed, refusal.ports_free) == (busy_day.bridge, 2, 0)
        assert (refusal.meeting_title, refusal.user, refusal.start) == ("Họp thêm", staff, at(3, 9))
        assert capacity(api, leader, busy_day.bridge).json()["refused_bookings"] == 1

    def test_a_conflict_of_rooms_alone_records_nothing(self, api, staff, busy_day, clock):
        busy_day.bridge.ports = 40
        busy_day.bridge.save()
        response = api(staff).post("/api/meetings/", meeting_body(busy_day, at(3, 9), at(3, 10)), format="json")
        assert response.status_code == 409
        assert not PortRefusal.objects.exists()


class TestProjection:
    def test_it_says_how_many_ports_to_buy_and_by_when(self):
        body = port_projection(ports=10, installed=4, communes=20, pace_per_month=2, overhead=2, as_of=date(2026, 3, 2))
        # 6 ports today; the 5th new room (2.5 months at 2 a month) no longer fits: 77 days on.
        assert body == {
            "communes": 20,
            "installed": 4,
            "pace_per_month": 2,
            "ports_needed_now": 6,
            "ports_needed_at_full_coverage": 22,
            "buy_ports": 12,
            "buy_before": "2026-05-18",
        }

    def test_a_bridge_already_short_buys_now_and_a_big_one_buys_nothing(self):
        short = port_projection(ports=5, installed=8, communes=9, pace_per_month=1, overhead=1, as_of=date(2026, 3, 2))
        assert (short["buy_ports"], short["buy_before"]) == (5, "2026-03-02")
        big = port_projection(ports=50, installed=8, communes=9, pace_per_month=1, overhead=1, as_of=date(2026, 3, 2))
        assert (big["buy_ports"], big["buy_before"]) == (0, None)

    def test_no_pace_gives_no_date(self):
        body = port_projection(ports=5, installed=2, communes=9, pace_per_month=0, overhead=1, as_of=date(2026, 3, 2))
        assert (body["buy_ports"], body["buy_before"]) == (5, None)

    def test_the_api_projects_from_the_coverage_report(self, api, leader, busy_day, clock):
        projection = capacity(api, leader, busy_day.bridge).json()["projection"]
        assert projection is not None
        assert projection["province"] == "20"
        assert projection["ports_needed_at_full_coverage"] == projection["communes"] + 1


def test_a_range_cut_mid_quarter_hour_is_read_not_a_500(api, leader, busy_day, clock):
    # Found by `make fuzz`: `to` at the current second, `from` left to the default (today).
    to = (clock.now() + timedelta(hours=9, minutes=39, seconds=50, microseconds=513677)).isoformat()
    response = api(leader).get(f"/api/bridges/{busy_day.bridge.pk}/capacity/", {"to": to})
    assert response.status_code == 200
