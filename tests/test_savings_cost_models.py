"""Cost models, investments and one meeting's breakdown: who may write, and history is never rewritten."""

import datetime as dt
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import Client

from analytics.models import CostModel, Investment

pytestmark = pytest.mark.django_db
FEB = datetime(2026, 2, 2, 1, 0, tzinfo=UTC)

NEW_MODEL = {
    "province_code": "20",
    "effective_from": "2026-04-01",
    "source": "Nghị quyết HĐND tỉnh (ví dụ)",
    "transport_vnd_per_km": 4200,
    "per_diem_vnd": 300000,
    "lodging_vnd_per_night": 400000,
}


def test_the_circulars_are_seeded_with_their_effective_dates_and_sources():
    models = list(CostModel.objects.filter(province_code="").order_by("effective_from"))
    assert [m.effective_from for m in models] == [dt.date(2010, 8, 20), dt.date(2017, 7, 1), dt.date(2025, 5, 4)]
    assert [m.per_diem_vnd for m in models] == [150_000, 200_000, 300_000]
    assert "97/2010/TT-BTC" in models[0].source
    assert "40/2017/TT-BTC" in models[1].source
    assert "12/2025/TT-BTC" in models[2].source
    assert all("đ/lít" in m.notes for m in models)  # the petrol price each model assumes


def test_leaders_read_cost_models_but_only_administrators_add_one(api, leader, admin_user, operator, province, clock):
    assert api(leader).get("/api/cost-models/").json()["count"] == 3
    assert api(operator).get("/api/cost-models/").status_code == 403
    refused = api(leader).post("/api/cost-models/", NEW_MODEL, format="json")
    assert refused.status_code == 403
    assert CostModel.objects.count() == 3
    created = api(admin_user).post("/api/cost-models/", NEW_MODEL, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["created_by"] == "admin"
    assert created.json()["in_use"] is False


def test_a_model_that_valued_a_held_meeting_cannot_be_changed_or_deleted(
    api, admin_user, province, held_meeting, clock
):
    held_meeting(start=FEB, heads={province.ep_d1: 3})
    model = CostModel.objects.get(province_code="", effective_from=dt.date(2025, 5, 4))
    client = api(admin_user)
    assert client.get(f"/api/cost-models/{model.pk}/").json()["in_use"] is True
    response = client.patch(f"/api/cost-models/{model.pk}/", {"per_diem_vnd": 999}, format="json")
    assert response.status_code == 400
    assert "effective_from" in response.json()
    assert client.delete(f"/api/cost-models/{model.pk}/").status_code == 400
    model.refresh_from_db()
    assert model.per_diem_vnd == 300_000


def test_a_new_model_may_not_take_over_days_when_meetings_were_held(api, admin_user, province, held_meeting, clock):
    held_meeting(start=FEB, heads={province.ep_d1: 3})
    client = api(admin_user)
    # From 1 January 2026 it would value the meeting of 2 February: refused, nothing saved.
    response = client.post("/api/cost-models/", {**NEW_MODEL, "effective_from": "2026-01-01"}, format="json")
    assert response.status_code == 400
    assert "2026-02-02" in response.json()["effective_from"][0]
    assert CostModel.objects.count() == 3
    # From after the last held meeting it is a new version: accepted.
    assert (
        client.post("/api/cost-models/", {**NEW_MODEL, "effective_from": "2026-02-03"}, format="json").status_code
        == 201
    )


def test_a_model_nobody_used_yet_can_be_corrected(api, admin_user, province, clock):
    future = CostModel.objects.create(**{**NEW_MODEL, "effective_from": dt.date(2026, 6, 1)})
    response = api(admin_user).patch(f"/api/cost-models/{future.pk}/", {"per_diem_vnd": 320000}, format="json")
    assert response.status_code == 200
    future.refresh_from_db()
    assert future.per_diem_vnd == 320_000


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"average_speed_kmh": 0}, "average_speed_kmh"),
        ({"vehicle_occupancy": 0}, "vehicle_occupancy"),
        ({"per_diem_vnd": -1}, "per_diem_vnd"),
        ({"province_code": "99"}, "province_code"),
        ({"effective_from": "1999-01-01"}, "effective_from"),
    ],
)
def test_bad_rates_are_refused(api, admin_user, province, clock, change, field):
    response = api(admin_user).post("/api/cost-models/", {**NEW_MODEL, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert CostModel.objects.count() == 3


def test_the_admin_shows_a_used_model_read_only_with_a_new_version_link(admin_user, province, held_meeting, clock):
    held_meeting(start=FEB, heads={province.ep_d1: 3})
    model = CostModel.objects.get(province_code="", effective_from=dt.date(2025, 5, 4))
    client = Client()
    client.force_login(admin_user)
    page = client.get(f"/admin/analytics/costmodel/{model.pk}/change/").content.decode()
    assert 'name="per_diem_vnd"' not in page
    assert f"add/?copy_from={model.pk}" in page
    add = client.get(f"/admin/analytics/costmodel/add/?copy_from={model.pk}").content.decode()
    assert 'name="per_diem_vnd" value="300000"' in add
    refused = client.post(
        "/admin/analytics/costmodel/add/",
        {
            **NEW_MODEL,
            "province_code": "",
            "effective_from": "2026-01-15",
            "notes": "",
            "transport_threshold_km": 15,
            "difficult_transport_threshold_km": 10,
            "default_delegates_per_site": 3,
            "per_diem_threshold_km": 15,
            "difficult_per_diem_threshold_km": 10,
            "lodging_threshold_km": 150,
            "average_speed_kmh": 40,
            "vehicle_occupancy": 4,
            "co2_kg_per_vehicle_km": "0.192",
            "min_meeting_minutes": 30,
        },
    )
    assert refused.status_code == 200  # the form again, with the error
    assert "2026-02-02" in refused.content.decode()
    assert CostModel.objects.count() == 3
    assert client.post(f"/admin/analytics/costmodel/{model.pk}/delete/", {"post": "yes"}).status_code == 403


def test_investments_are_read_by_leaders_and_recorded_by_administrators(api, leader, admin_user, province):
    item = {
        "province_code": "20",
        "date": "2010-03-01",
        "amount_vnd": 3_600_000_000,
        "description": "MCU và 7 điểm cầu",
    }
    assert api(leader).post("/api/investments/", item, format="json").status_code == 403
    assert not Investment.objects.exists()
    created = api(admin_user).post("/api/investments/", item, format="json")
    assert created.status_code == 201
    assert api(leader).get("/api/investments/").json()["results"][0]["amount_vnd"] == "3600000000"
    for bad in ({"amount_vnd": 0}, {"province_code": ""}, {"date": "1990-01-01"}):
        assert api(admin_user).post("/api/investments/", {**item, **bad}, format="json").status_code == 400
    assert Investment.objects.count() == 1


def test_a_meetings_breakdown_lists_every_input(api, leader, province, held_meeting, clock):
    province.ep_d1.road_km = Decimal(40)
    province.ep_d1.save()
    meeting = held_meeting(start=FEB, heads={province.host: 12, province.ep_d1: 5})
    body = api(leader).get(f"/api/meetings/{meeting.pk}/savings/").json()
    assert body["counted"] is True
    assert body["cost_model"]["per_diem_vnd"] == 300_000
    rows = {row["endpoint"]: row for row in body["endpoints"]}
    assert len(rows) == 6  # the host and the five booked rooms
    assert rows[province.host.pk] | {"money_vnd": 0} == rows[province.host.pk]
    assert rows[province.host.pk]["is_host"] is True and rows[province.host.pk]["distance_km"] == 0.0
    district = rows[province.ep_d1.pk]
    assert district["attendees"] == 5 and district["distance_km"] == 40.0
    assert district["per_diem_threshold_km"] == 15 and district["per_diem_applies"] is True
    # 5 in the room, 3 (the default delegation) would have travelled: 3 × (80 × 4,000 + 300,000).
    assert district["travellers"] == 3 and district["distance_basis"] == "entered"
    assert district["transport_threshold_km"] == 15 and district["transport_applies"] is True
    assert district["money_vnd"] == 1_860_000 and district["vehicles"] == 1
    assert rows[province.ep_c1.pk]["attended"] is False
    assert body["totals"]["money_vnd"] == 1_860_000
    assert body["totals"]["travellers"] == 6 and body["totals"]["reached_beyond_delegation"] == 11


def test_a_breakdown_says_why_a_meeting_is_not_counted(api, leader, operator, province, held_meeting, clock):
    running = held_meeting(start=clock.now() - timedelta(minutes=10), heads={province.ep_d1: 5})
    body = api(leader).get(f"/api/meetings/{running.pk}/savings/").json()
    assert body["counted"] is False
    assert body["reason"]
    assert body["totals"]["money_vnd"] == 0
    assert api(leader).get("/api/meetings/999999/savings/").status_code == 404
    assert api(operator).get(f"/api/meetings/{running.pk}/savings/").status_code == 403


def test_the_bulk_delete_action_keeps_models_in_use(admin_user, province, held_meeting, clock):
    held_meeting(start=FEB, heads={province.ep_d1: 3})
    unused = CostModel.objects.create(**{**NEW_MODEL, "effective_from": dt.date(2026, 6, 1)})
    client = Client()
    client.force_login(admin_user)

    def delete(ids: list[int]) -> int:
        data = {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
        return client.post("/admin/analytics/costmodel/", data).status_code

    assert delete(list(CostModel.objects.values_list("pk", flat=True))) == 403
    assert CostModel.objects.count() == 4
    assert delete([unused.pk]) == 302
    assert CostModel.objects.count() == 3


def test_the_admin_add_form_ignores_a_copy_from_that_is_not_a_number(admin_user, province):
    client = Client()
    client.force_login(admin_user)
    response = client.get("/admin/analytics/costmodel/add/?copy_from=²")
    assert response.status_code == 200
    assert 'name="per_diem_vnd" value="300000"' not in response.content.decode()
