"""The delegation per site through the booking API and page, and travellers in the savings API."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from analytics.models import CostModel
from rooms.models import Meeting, TravelMode
from tests.helpers import at
from tests.helpers import meeting_body as body
from vconf.limits import MAX_PEOPLE

pytestmark = pytest.mark.django_db
FEB = datetime(2026, 2, 2, 1, 0, tzinfo=UTC)


class TestBookingTakesTheDelegationPerSite:
    def test_it_is_stored_and_shown(self, api, staff, province, clock):
        response = api(staff).post(
            "/api/meetings/", {**body(province, at(3, 9), at(3, 10)), "delegates_per_site": 2}, format="json"
        )
        assert response.status_code == 201, response.content
        assert response.json()["delegates_per_site"] == 2
        assert Meeting.objects.get().delegates_per_site == 2

    def test_it_may_be_left_to_the_cost_model(self, api, staff, province, clock):
        response = api(staff).post("/api/meetings/", body(province, at(3, 9), at(3, 10)), format="json")
        assert response.status_code == 201
        assert response.json()["delegates_per_site"] is None
        assert Meeting.objects.get().delegates_per_site is None

    @pytest.mark.parametrize("bad", [0, -1, MAX_PEOPLE + 1, "ba", 2.5])
    def test_it_refuses_a_number_out_of_range_and_books_nothing(self, api, staff, province, clock, bad):
        response = api(staff).post(
            "/api/meetings/", {**body(province, at(3, 9), at(3, 10)), "delegates_per_site": bad}, format="json"
        )
        assert response.status_code == 400
        assert "delegates_per_site" in response.json()
        assert not Meeting.objects.exists()

    def test_the_booking_page_takes_it(self, client, staff, province, clock):
        client.force_login(staff)
        form = {
            "title": "Giao ban",
            "host": province.host.pk,
            "day": "2026-03-03",
            "start_time": "09:00",
            "end_time": "10:00",
            "structure": "legacy",
            "endpoints": [province.ep_c1.pk],
            "delegates_per_site": "2",
            "action": "book",
        }
        assert "Thành phần: mỗi điểm cầu" in client.get("/lich-hop/dat-lich/").content.decode()
        response = client.post("/lich-hop/dat-lich/", form)
        assert response.status_code == 302
        assert Meeting.objects.get().delegates_per_site == 2

    def test_the_booking_page_refuses_zero(self, client, staff, province, clock):
        client.force_login(staff)
        form = {
            "title": "Giao ban",
            "host": province.host.pk,
            "day": "2026-03-03",
            "start_time": "09:00",
            "end_time": "10:00",
            "endpoints": [province.ep_c1.pk],
            "delegates_per_site": "0",
            "action": "book",
        }
        response = client.post("/lich-hop/dat-lich/", form)
        assert response.status_code == 400  # the form again, with the error
        assert "Thành phần: mỗi điểm cầu" in response.content.decode()
        assert not Meeting.objects.exists()


class TestSavingsCarryTravellers:
    def test_rows_and_totals_count_the_delegation_of_the_meeting(self, api, leader, province, held_meeting, clock):
        province.ep_d1.road_km = Decimal(40)
        province.ep_d1.save()
        meeting = held_meeting(start=FEB, heads={province.host: 12, province.ep_d1: 5})
        Meeting.objects.filter(pk=meeting.pk).update(delegates_per_site=2)
        body = api(leader).get("/api/reports/savings/", {"group_by": "meeting"}).json()
        row = body["rows"][0]
        assert (row["attendees"], row["travellers"], row["reached_beyond_delegation"]) == (17, 4, 13)
        # Văn Lãng: 2 × (80 km × 4,000 + 300,000); person-km from the travellers.
        assert (row["money_vnd"], row["person_km"]) == (1_240_000, 160.0)
        assert body["totals"]["travellers"] == 4
        breakdown = api(leader).get(f"/api/meetings/{meeting.pk}/savings/").json()
        assert breakdown["delegates_per_site"] == 2
        rows = {r["endpoint"]: r for r in breakdown["endpoints"]}
        assert rows[province.ep_d1.pk]["travellers"] == 2
        assert rows[province.ep_d1.pk]["distance_basis"] == "entered"

    def test_an_island_room_without_a_distance_says_so(self, api, leader, province, held_meeting, clock):
        province.c3.island = True
        province.c3.save()
        meeting = held_meeting(start=FEB, heads={province.ep_c3: 3})
        breakdown = api(leader).get(f"/api/meetings/{meeting.pk}/savings/").json()
        island = {r["endpoint"]: r for r in breakdown["endpoints"]}[province.ep_c3.pk]
        # Thụy Hùng has coordinates, so a road estimate exists; an island must not use it.
        assert (island["distance_km"], island["distance_basis"], island["money_vnd"]) == (None, "not_entered", 0)
        assert breakdown["totals"]["participations_distance_not_entered"] == 1

    def test_an_island_room_by_boat_pays_the_fare(self, api, leader, province, held_meeting, clock):
        province.c3.island = True
        province.c3.save()
        province.ep_c3.road_km, province.ep_c3.travel_mode = Decimal(60), TravelMode.BOAT
        province.ep_c3.fare_vnd = Decimal(200_000)
        province.ep_c3.save()
        meeting = held_meeting(start=FEB, heads={province.ep_c3: 3})
        island = {r["endpoint"]: r for r in api(leader).get(f"/api/meetings/{meeting.pk}/savings/").json()["endpoints"]}
        row = island[province.ep_c3.pk]
        # 3 × (2 × 200,000 fare + 300,000 per diem); no car: no vehicles, no CO2.
        assert (row["distance_basis"], row["money_vnd"], row["vehicles"], row["co2_kg"]) == ("boat", 2_100_000, 0, 0.0)


def test_the_demo_sets_the_conferences_delegation_once(province, held_meeting, clock):
    from io import StringIO

    from django.core.management.base import OutputWrapper

    from rooms.demo import trips as demo

    conference = held_meeting(start=FEB, title=demo.CONFERENCE_TITLES[1])
    briefing = held_meeting(start=datetime(2026, 2, 3, 1, 0, tzinfo=UTC))
    demo.load(stdout=OutputWrapper(StringIO()))
    assert Meeting.objects.get(pk=conference.pk).delegates_per_site == demo.CONFERENCE_DELEGATES
    Meeting.objects.filter(pk=conference.pk).update(delegates_per_site=5)  # changed by hand later
    demo.load(stdout=OutputWrapper(StringIO()))
    conference.refresh_from_db()
    briefing.refresh_from_db()
    assert (conference.delegates_per_site, briefing.delegates_per_site) == (5, None)


def test_a_cost_model_takes_the_transport_threshold_and_the_delegation(api, admin_user, province):
    model = {
        "province_code": "20",
        "effective_from": "2026-06-01",
        "source": "Nghị quyết HĐND tỉnh",
        "transport_vnd_per_km": 4000,
        "per_diem_vnd": 300000,
        "lodging_vnd_per_night": 350000,
        "transport_threshold_km": 15,
        "difficult_transport_threshold_km": 10,
        "default_delegates_per_site": 2,
    }
    refused = api(admin_user).post("/api/cost-models/", {**model, "default_delegates_per_site": 0}, format="json")
    assert refused.status_code == 400 and "default_delegates_per_site" in refused.json()
    assert not CostModel.objects.filter(province_code="20").exists()
    created = api(admin_user).post("/api/cost-models/", model, format="json")
    assert created.status_code == 201, created.content
    assert (created.json()["default_delegates_per_site"], created.json()["transport_threshold_km"]) == (2, "15.0")


class TestAnIslandsTripIsEnteredThroughTheEndpointsApi:
    def test_a_boat_trip_with_its_fare_is_kept(self, api, admin_user, province):
        url = f"/api/endpoints/{province.ep_c3.pk}/"
        response = api(admin_user).patch(url, {"road_km": 60, "travel_mode": "boat", "fare_vnd": 200000}, format="json")
        assert response.status_code == 200, response.content
        assert (response.json()["travel_mode"], response.json()["fare_vnd"]) == ("boat", 200000)
        province.ep_c3.refresh_from_db()
        assert (province.ep_c3.travel_mode, province.ep_c3.fare_vnd) == (TravelMode.BOAT, Decimal(200000))

    def test_a_boat_without_a_fare_is_refused_and_nothing_changes(self, api, admin_user, province):
        response = api(admin_user).patch(f"/api/endpoints/{province.ep_c3.pk}/", {"travel_mode": "boat"}, format="json")
        assert response.status_code == 400
        assert response.json() == {"fare_vnd": ["Nhập giá vé một chiều khi đi tàu hoặc máy bay."]}
        province.ep_c3.refresh_from_db()
        assert (province.ep_c3.travel_mode, province.ep_c3.fare_vnd) == (TravelMode.ROAD, None)

    def test_a_fare_by_road_is_refused(self, api, admin_user, province):
        response = api(admin_user).patch(f"/api/endpoints/{province.ep_c3.pk}/", {"fare_vnd": 1000}, format="json")
        assert response.status_code == 400
        assert response.json() == {"fare_vnd": ["Đi đường bộ thì không có giá vé."]}

    def test_back_to_the_road_drops_the_fare(self, api, admin_user, province):
        url = f"/api/endpoints/{province.ep_c3.pk}/"
        api(admin_user).patch(url, {"road_km": 60, "travel_mode": "air", "fare_vnd": 1500000}, format="json")
        response = api(admin_user).patch(url, {"travel_mode": "road"}, format="json")
        assert response.status_code == 200
        assert response.json()["fare_vnd"] is None
