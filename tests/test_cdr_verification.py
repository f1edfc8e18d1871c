"""Verification: what the bridge's legs say of each room in a meeting, on the API, the board and the page."""

import uuid
from datetime import timedelta

import pytest

from rooms.cdr.ingest import store_records
from rooms.cdr.parsing import csv_record
from rooms.models import BridgeLeg, CheckIn, RecordSource
from tests.conftest import FIXED_NOW


def leg(province, remote, start, minutes):
    record = csv_record(remote_address=remote, connected_at=start, disconnected_at=start + timedelta(minutes=minutes))
    store_records(bridge=province.bridge, source=RecordSource.CSV, records=[record])


def check_in(meeting, endpoint, at, attendees=5):
    CheckIn.objects.create(
        meeting=meeting, endpoint=endpoint, kind="in", attendees=attendees, client_id=uuid.uuid4(), at=at
    )


@pytest.fixture
def addressed(province):
    for n, endpoint in enumerate([province.ep_c1, province.ep_c2, province.ep_c3, province.ep_d1]):
        endpoint.dial_address = f"sip:room{n}@langson.gov.vn"
        endpoint.save()
    return province


def rows_by_endpoint(api, user, meeting):
    response = api(user).get(f"/api/meetings/{meeting.pk}/attendance/")
    assert response.status_code == 200
    return {row["endpoint"]: row for row in response.json()["endpoints"]}


class TestVerificationStates:
    def test_each_room_gets_its_state(self, api, addressed, staff, attendance_meeting, clock):
        p = addressed
        meeting = attendance_meeting()
        check_in(meeting, p.ep_c1, FIXED_NOW)  # and a leg: confirmed
        leg(p, "room0@langson.gov.vn", FIXED_NOW, 40)
        leg(p, "sip:room1@langson.gov.vn:5061", FIXED_NOW + timedelta(minutes=5), 30)  # no check-in: bridge-only
        check_in(meeting, p.ep_c3, FIXED_NOW)  # no leg: operator-only
        clock.advance(hours=2)
        rows = rows_by_endpoint(api, staff, meeting)
        assert rows[p.ep_c1.pk]["verification"] == "confirmed"
        assert rows[p.ep_c1.pk]["bridge_minutes"] == 40
        assert rows[p.ep_c2.pk]["verification"] == "bridge_only"
        assert rows[p.ep_c2.pk]["bridge_minutes"] == 30
        assert rows[p.ep_c3.pk]["verification"] == "operator_only"
        assert rows[p.ep_c3.pk]["bridge_minutes"] is None
        assert rows[p.ep_d2.pk]["verification"] == "unverified"  # neither checked in nor seen

    def test_a_room_neither_checked_in_nor_seen_by_the_bridge_is_unverified(
        self, api, addressed, staff, attendance_meeting, clock
    ):
        meeting = attendance_meeting()
        leg(addressed, "room0@langson.gov.vn", FIXED_NOW, 40)
        clock.advance(hours=2)
        assert rows_by_endpoint(api, staff, meeting)[addressed.ep_d2.pk]["verification"] == "unverified"

    def test_without_records_from_the_bridge_a_check_in_is_unverified(
        self, api, addressed, staff, attendance_meeting, clock
    ):
        meeting = attendance_meeting()
        check_in(meeting, addressed.ep_c1, FIXED_NOW)
        clock.advance(hours=2)
        row = rows_by_endpoint(api, staff, meeting)[addressed.ep_c1.pk]
        assert (row["verification"], row["bridge_minutes"]) == ("unverified", None)

    def test_bridge_minutes_count_overlapping_legs_once_and_stay_in_the_meeting(
        self, api, addressed, staff, attendance_meeting, clock
    ):
        meeting = attendance_meeting(minutes=60)
        # Connected 10 minutes early for the test call, dropped for 5 minutes, back until after the end.
        leg(addressed, "room0@langson.gov.vn", FIXED_NOW - timedelta(minutes=10), 30)
        leg(addressed, "room0@langson.gov.vn", FIXED_NOW + timedelta(minutes=25), 50)
        clock.advance(hours=2)
        assert rows_by_endpoint(api, staff, meeting)[addressed.ep_c1.pk]["bridge_minutes"] == 55

    def test_a_leg_outside_every_booking_is_kept_but_attributed_to_no_meeting(
        self, api, addressed, staff, attendance_meeting, clock
    ):
        meeting = attendance_meeting()
        leg(addressed, "room0@langson.gov.vn", FIXED_NOW + timedelta(hours=5), 30)
        kept = BridgeLeg.objects.get()
        assert (kept.endpoint_id, kept.participation_id) == (addressed.ep_c1.pk, None)
        clock.advance(hours=6)
        assert rows_by_endpoint(api, staff, meeting)[addressed.ep_c1.pk]["verification"] == "unverified"

    def test_a_leg_of_an_unknown_address_is_kept_for_no_room(self, addressed, attendance_meeting):
        attendance_meeting()
        leg(addressed, "sip:stranger@example.org", FIXED_NOW, 30)
        assert BridgeLeg.objects.get().endpoint_id is None


class TestPages:
    def test_the_board_shows_the_bridge_word(self, client, addressed, staff, attendance_meeting, clock):
        meeting = attendance_meeting()
        check_in(meeting, addressed.ep_c1, FIXED_NOW)
        leg(addressed, "room0@langson.gov.vn", FIXED_NOW, 40)
        client.force_login(staff)
        page = client.get(f"/truc-tiep/{meeting.pk}/").content.decode()
        assert "verify-confirmed" in page

    def test_the_meeting_page_lists_the_rooms_to_check(self, client, addressed, staff, attendance_meeting, clock):
        meeting = attendance_meeting()
        leg(addressed, "room0@langson.gov.vn", FIXED_NOW, 40)
        check_in(meeting, addressed.ep_c3, FIXED_NOW)
        clock.advance(hours=2)
        client.force_login(staff)
        page = client.get(f"/lich-hop/{meeting.pk}/").content.decode()
        assert "verification-summary" in page
        assert addressed.ep_c3.name in page
