"""Trips on tiny hand-built frames: who travels, where to, by which province's model
(analytics/trips.py, savings_math.participation_savings)."""

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from analytics import savings_math as reports
from analytics import trips
from tests.test_reports_savings import RATES_2017, attended, meetings

RATES_2025 = {**RATES_2017, "transport_vnd_per_km": 4000.0, "per_diem_vnd": 300_000.0, "default_delegates_per_site": 3}
# Quảng Ninh's own rates from 2026: a richer per diem and petrol price.
RATES_QN = {**RATES_2025, "transport_vnd_per_km": 5000.0, "per_diem_vnd": 400_000.0}

VN_HALL, LS_HALL, LS_COMMUNE, QN_HALL, QN_ISLAND, QN_BOAT = 1, 2, 3, 4, 5, 6
DAY = "2026-02-02T01:00"  # Monday 2 February 2026, 08:00 in Hanoi


def cost_models() -> pd.DataFrame:
    frame = pd.DataFrame(
        [
            {"model": 2, "province_code": "", "effective_from": "2025-05-04", "source": "12/2025", **RATES_2025},
            {"model": 3, "province_code": "22", "effective_from": "2026-01-01", "source": "NQ QN", **RATES_QN},
        ]
    )
    frame["effective_from"] = pd.to_datetime(frame["effective_from"])
    frame["province_code"] = frame["province_code"].astype("string")
    return frame


def units() -> pd.DataFrame:
    rows = [
        (10, "VN", "Việt Nam", "country", 0, False, False, 21.03, 105.85),
        (20, "20", "Tỉnh Lạng Sơn", "province", 10, False, False, 21.85, 106.76),
        (21, "06280", "Xã Tân Thanh", "commune", 20, False, False, 22.07, 106.56),
        (22, "22", "Tỉnh Quảng Ninh", "province", 10, False, False, 20.95, 107.07),
        (23, "07192", "Đặc khu Cô Tô", "commune", 22, False, True, 20.98, 107.76),
    ]
    frame = pd.DataFrame(
        rows, columns=["unit", "code", "name", "level", "parent", "difficult", "island", "lat", "lon"]
    ).assign(structure="current")
    return frame.astype({"code": "string", "name": "string", "level": "string", "structure": "string"})


def places() -> pd.DataFrame:
    endpoints = pd.DataFrame(
        {
            "endpoint": [VN_HALL, LS_HALL, LS_COMMUNE, QN_HALL, QN_ISLAND, QN_BOAT],
            "name": ["Chính phủ", "UBND tỉnh LS", "Tân Thanh", "UBND tỉnh QN", "Cô Tô", "Cô Tô (tàu)"],
            "unit": [10, 20, 21, 22, 23, 23],
            "legacy_unit": 0,
            "road_km": [np.nan, 0.0, 40.0, 0.0, np.nan, 100.0],
            "travel_mode": ["road", "road", "road", "road", "road", "boat"],
            "fare_vnd": [np.nan] * 5 + [250_000.0],
        }
    )
    # Cô Tô has coordinates, so a road estimate exists: it must not be used.
    distances = pd.DataFrame(
        {
            "endpoint": endpoints["endpoint"],
            "distance_km": [0.0, 0.0, 40.0, 0.0, 35.0, 100.0],
            "estimated": [False, False, False, False, True, False],
        }
    )
    provinces = pd.DataFrame(
        {"province_code": ["20", "22"], "host": [LS_HALL, QN_HALL], "circuity_factor": [1.4, 1.1]}
    ).astype({"province_code": "string"})
    return reports.endpoint_places(endpoints, units(), distances, provinces)


def savings(meeting_rows: pd.DataFrame, heads: pd.DataFrame) -> pd.DataFrame:
    place = places()
    models = cost_models()
    valued = reports.value_meetings(meeting_rows, place, models)
    return reports.participation_savings(heads, valued, place, models).set_index("endpoint")


def road_km(a: tuple[float, float], b: tuple[float, float], factor: float) -> float:
    return round(float(trips.haversine_km(np.array(a[0]), np.array(a[1]), np.array(b[0]), np.array(b[1]))) * factor, 1)


def test_haversine_gives_about_111_km_per_degree_of_latitude():
    assert trips.haversine_km(np.array([20.0]), np.array([106.0]), np.array([21.0]), np.array([106.0]))[0] == (
        pytest.approx(111.2, abs=0.1)
    )


def test_a_national_meeting_has_two_kinds_of_trips():
    result = savings(
        meetings((1, VN_HALL, DAY, 120)),
        attended((1, VN_HALL, 10), (1, LS_HALL, 6), (1, LS_COMMUNE, 5), (1, QN_HALL, 4)),
    )
    ls_km = road_km((21.85, 106.76), (21.03, 105.85), 1.4)
    qn_km = road_km((20.95, 107.07), (21.03, 105.85), 1.1)
    assert ls_km > 150 > qn_km > 15  # Lạng Sơn stays the night, Quảng Ninh does not
    expected = pd.DataFrame(
        {
            # The communes go to their provincial hall; the provincial delegations to the central venue.
            "destination": [VN_HALL, VN_HALL, LS_HALL, VN_HALL],
            "distance_km": [0.0, ls_km, 40.0, qn_km],
            "estimated": [False, True, False, True],
            "basis": np.array([trips.HOST_SITE, trips.ESTIMATED, trips.ENTERED, trips.ESTIMATED], dtype="int8"),
            # Each traveller by their own province's model: Quảng Ninh has its own from 2026.
            "model": [2, 2, 2, 3],
            "travellers": [3, 3, 3, 3],
            "money_vnd": [
                0.0,
                3 * (2 * ls_km * 4000 + 300_000 + 350_000),
                3 * (80 * 4000 + 300_000),
                3 * (2 * qn_km * 5000 + 400_000),
            ],
        },
        index=pd.Index([VN_HALL, LS_HALL, LS_COMMUNE, QN_HALL], name="endpoint"),
    )
    assert_frame_equal(result[expected.columns], expected, check_exact=False, rtol=1e-12)


def test_two_provinces_models_value_one_meeting_on_one_day():
    # Hosted by Lạng Sơn: its commune goes to the host; Quảng Ninh's island room goes to its own hall.
    result = savings(meetings((1, LS_HALL, DAY, 90)), attended((1, LS_HALL, 9), (1, LS_COMMUNE, 2), (1, QN_BOAT, 2)))
    expected = pd.DataFrame(
        {
            "model": [2, 2, 3],
            "destination": [LS_HALL, LS_HALL, QN_HALL],
            # The boat: the fare both ways and Quảng Ninh's per diem; no car, so no vehicles, hours or CO2.
            "money_vnd": [0.0, 2 * (80 * 4000 + 300_000), 2 * (2 * 250_000 + 400_000)],
            "person_km": [0.0, 160.0, 400.0],
            "person_hours": [0.0, 4.0, 0.0],
            "vehicles": [1, 1, 0],
            "basis": np.array([trips.HOST_SITE, trips.ENTERED, trips.BOAT], dtype="int8"),
        },
        index=pd.Index([LS_HALL, LS_COMMUNE, QN_BOAT], name="endpoint"),
    )
    assert_frame_equal(result[expected.columns], expected, check_exact=False, rtol=1e-12)


def test_an_island_without_an_entered_distance_counts_no_money_and_no_road_guess():
    place = places().set_index("endpoint")
    assert np.isnan(place.loc[QN_ISLAND, "distance_km"]) and place.loc[QN_ISLAND, "basis"] == trips.NOT_ENTERED
    result = savings(meetings((1, QN_HALL, DAY, 90)), attended((1, QN_HALL, 5), (1, QN_ISLAND, 4)))
    island = result.loc[QN_ISLAND]
    assert np.isnan(island["distance_km"]) and island["money_vnd"] == 0 and island["person_km"] == 0
    totals = reports.totals(result.reset_index())
    assert totals["participations_distance_not_entered"] == 1
    assert totals["participations_without_distance"] == 1
    assert totals["participations_with_estimated_distance"] == 0


def test_travellers_are_the_attendees_up_to_the_delegation_per_site():
    rows = meetings((1, LS_HALL, DAY, 90), (2, LS_HALL, "2026-02-03T01:00", 90))
    rows["delegates_per_site"] = [2, 0]  # meeting 2 leaves it to the cost model (3)
    result = savings(rows, attended((1, LS_COMMUNE, 5), (1, QN_BOAT, 1), (2, LS_COMMUNE, 5)))
    result = result.reset_index()
    assert result["travellers"].tolist() == [2, 1, 3]
    assert result["money_vnd"].tolist() == pytest.approx(
        [2 * 620_000, 1 * (2 * 250_000 + 400_000), 3 * 620_000], rel=1e-12
    )
    by_meeting = reports.roll_up(result, ["meeting"])
    expected = pd.DataFrame(
        {
            "meeting": [1, 2],
            "attendees": [6, 5],
            "travellers": [3, 3],
            "person_km": [2 * 80.0 + 200.0, 3 * 80.0],
            # The people reached beyond the delegation: reported apart, never as money.
            "reached_beyond_delegation": [3, 2],
        }
    )
    assert_frame_equal(by_meeting[expected.columns], expected)
    totals = reports.totals(result)
    assert (totals["attendees"], totals["travellers"], totals["reached_beyond_delegation"]) == (11, 6, 5)


def test_trips_under_the_transport_threshold_are_counted_apart():
    place = places()
    place.loc[place["endpoint"] == LS_COMMUNE, "distance_km"] = 14.9
    models = cost_models()
    valued = reports.value_meetings(meetings((1, LS_HALL, DAY, 90)), place, models)
    result = reports.participation_savings(attended((1, LS_HALL, 3), (1, LS_COMMUNE, 3)), valued, place, models)
    assert result["transport_applies"].tolist() == [False, False]
    assert result["money_vnd"].tolist() == [0.0, 0.0]
    assert result["person_km"].tolist() == pytest.approx([0.0, 3 * 29.8])
    assert reports.totals(result)["trips_below_transport_threshold"] == 1


def test_special_zones_and_island_districts_are_islands():
    from types import SimpleNamespace as Row

    from rooms.services.islands import island_codes

    rows = [
        Row(code="22", name="Tỉnh Quảng Ninh", level="province", parent=None),
        Row(code="207", name="Huyện Cô Tô", level="district", parent="22"),
        Row(code="07192", name="Thị trấn Cô Tô", level="commune", parent="207"),
        Row(code="193", name="Thành phố Hạ Long", level="district", parent="22"),
        Row(code="26000", name="Đặc khu Trường Sa", level="commune", parent="56"),
        Row(code="06280", name="Xã Cô Tô", level="commune", parent="178"),  # a name is not an island
    ]
    assert island_codes(rows) == {"207", "07192", "26000"}
