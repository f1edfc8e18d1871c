"""The savings formula as pure functions on tiny hand-built frames (analytics/savings_math.py)."""

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal, assert_series_equal

from analytics import savings_math as reports

RATES_2017 = {
    "transport_vnd_per_km": 3400.0,
    "per_diem_vnd": 200_000.0,
    "transport_threshold_km": 15.0,
    "difficult_transport_threshold_km": 10.0,
    "default_delegates_per_site": 100,
    "per_diem_threshold_km": 15.0,
    "difficult_per_diem_threshold_km": 10.0,
    "lodging_vnd_per_night": 350_000.0,
    "lodging_threshold_km": 150.0,
    "average_speed_kmh": 40.0,
    "vehicle_occupancy": 4,
    "co2_kg_per_vehicle_km": 0.192,
    "min_meeting_minutes": 30,
}
RATES_2025 = {**RATES_2017, "transport_vnd_per_km": 4000.0, "per_diem_vnd": 300_000.0}


def cost_models(*extra: dict) -> pd.DataFrame:
    rows = [
        {"model": 1, "province_code": "", "effective_from": "2017-07-01", "source": "40/2017", **RATES_2017},
        {"model": 2, "province_code": "", "effective_from": "2025-05-04", "source": "12/2025", **RATES_2025},
        *extra,
    ]
    frame = pd.DataFrame(rows)
    frame["effective_from"] = pd.to_datetime(frame["effective_from"])
    frame["province_code"] = frame["province_code"].astype("string")
    return frame


def places(*rows: tuple) -> pd.DataFrame:
    """(endpoint, district, difficult, distance_km, estimated) rows, all in province 20."""
    frame = pd.DataFrame(rows, columns=["endpoint", "district", "difficult", "distance_km", "estimated"])
    frame.insert(1, "endpoint_name", [f"E{e}" for e in frame["endpoint"]])
    frame.insert(2, "province_code", "20")
    return frame.astype({"distance_km": "float64", "difficult": bool, "estimated": bool})


def meetings(*rows: tuple) -> pd.DataFrame:
    """(meeting, host, start UTC, minutes) rows."""
    frame = pd.DataFrame(rows, columns=["meeting", "host", "start", "minutes"])
    frame["start"] = pd.to_datetime(frame["start"], utc=True)
    frame["end"] = frame["start"] + pd.to_timedelta(frame.pop("minutes"), unit="min")
    return frame


def attended(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["meeting", "endpoint", "attendees"]).astype("int64")


HOST = 1
PLACES = places(
    (HOST, 0, False, 5.0, False),  # the hall has an entered distance, but it is the host's own site
    (2, 10, False, 40.0, False),
    (3, 10, False, 12.0, False),
    (4, 10, True, 12.0, True),  # an especially difficult commune: per diem from 10 km
    (5, 11, False, 150.0, False),  # far enough for a night's lodging
    (6, 11, False, np.nan, False),  # distance unknown
)


def value(meeting_rows: pd.DataFrame, models: pd.DataFrame | None = None) -> pd.DataFrame:
    return reports.value_meetings(meeting_rows, PLACES, models if models is not None else cost_models())


def test_the_model_in_force_on_the_local_date_values_a_meeting():
    # 2025-05-03 17:30 UTC is already 4 May in Hanoi: the amended circular applies.
    frame = value(
        meetings(
            (1, HOST, "2016-03-01T01:00", 60),
            (2, HOST, "2025-05-03T16:00", 60),
            (3, HOST, "2025-05-03T17:30", 60),
        )
    )
    assert frame["model"].tolist() == [1.0, 1.0, 2.0]
    assert frame["per_diem_vnd"].tolist() == [200_000.0, 200_000.0, 300_000.0]
    assert frame["month"].tolist() == [201603, 202505, 202505]


def test_a_province_model_wins_over_the_all_province_model_only_in_its_province():
    local = {"model": 3, "province_code": "20", "effective_from": "2020-01-01", "source": "HĐND", **RATES_2017}
    models = cost_models(local)
    rows = meetings(
        (1, HOST, "2019-12-31T01:00", 60), (2, HOST, "2021-06-01T01:00", 60), (3, 7, "2021-06-01T01:00", 60)
    )
    other = pd.concat([PLACES, places((7, 0, False, 0.0, False)).assign(province_code="06")], ignore_index=True)
    frame = reports.value_meetings(rows, other, models)
    assert frame["model"].tolist() == [1.0, 3.0, 1.0]


def test_meetings_shorter_than_the_minimum_are_not_counted():
    frame = value(meetings((1, HOST, "2024-01-08T01:00", 29), (2, HOST, "2024-01-15T01:00", 30)))
    assert frame["counted"].tolist() == [False, True]
    result = reports.participation_savings(attended((1, 2, 5), (2, 2, 5)), frame, PLACES)
    assert result["meeting"].tolist() == [2]


def test_the_formula_per_participation():
    valued = value(meetings((1, HOST, "2025-06-02T01:00", 120)))
    result = reports.participation_savings(
        attended((1, HOST, 30), (1, 2, 5), (1, 3, 3), (1, 4, 2), (1, 5, 4), (1, 6, 6)), valued, PLACES
    )
    expected = pd.DataFrame(
        {
            "endpoint": [HOST, 2, 3, 4, 5, 6],
            "is_host": [True, False, False, False, False, False],
            "distance_km": [0.0, 40.0, 12.0, 12.0, 150.0, np.nan],
            "per_diem_applies": [False, True, False, True, True, False],
            "lodging_applies": [False, False, False, False, True, False],
            "person_km": [0.0, 400.0, 72.0, 48.0, 1200.0, 0.0],
            "person_hours": [0.0, 10.0, 1.8, 1.2, 30.0, 0.0],
            # a × (2d × 4000 if d ≥ transport threshold + per diem 300,000 if d ≥ threshold + lodging
            # 350,000 if d ≥ 150): 12 km from an ordinary commune pays nothing, from a difficult one both.
            "money_vnd": [0.0, 3_100_000.0, 0.0, 792_000.0, 4 * (1_200_000.0 + 650_000.0), 0.0],
            "vehicles": [8, 2, 1, 1, 1, 2],
            "co2_kg": [0.0, 2 * 80 * 0.192, 24 * 0.192, 24 * 0.192, 300 * 0.192, 0.0],
        }
    )
    assert_frame_equal(result[expected.columns], expected, check_exact=False, rtol=1e-12)
    assert result["estimated"].tolist() == [False, False, False, True, False, False]


@pytest.mark.parametrize(
    ("km", "difficult", "paid"),
    [
        (9.9, False, False),
        (10.0, False, False),
        (14.9, False, False),
        (15.0, False, True),
        (9.9, True, False),
        (10.0, True, True),
        (14.9, True, True),
        (15.0, True, True),
    ],
)
def test_transport_and_per_diem_are_paid_from_15_km_or_10_km_from_especially_difficult_communes(km, difficult, paid):
    place = places((HOST, 0, False, 0.0, False), (9, 10, difficult, km, False))
    valued = reports.value_meetings(meetings((1, HOST, "2018-03-05T01:00", 60)), place, cost_models())
    result = reports.participation_savings(attended((1, 9, 1)), valued, place)
    expected = pd.DataFrame(
        {
            "transport_threshold_km": [10.0 if difficult else 15.0],
            "transport_applies": [paid],
            "per_diem_applies": [paid],
            "money_vnd": [2 * km * 3400 + 200_000 if paid else 0.0],
            # Below the threshold nothing is paid, but the km, hours and CO2 are still avoided.
            "person_km": [2 * km],
            "person_hours": [2 * km / 40],
            "co2_kg": [2 * km * 0.192],
        }
    )
    assert_frame_equal(result[expected.columns], expected, check_exact=False, rtol=1e-12)


def test_lodging_is_paid_from_the_lodging_threshold():
    place = places((HOST, 0, False, 0.0, False), (8, 10, False, 149.9, False), (9, 10, False, 150.0, False))
    valued = reports.value_meetings(meetings((1, HOST, "2018-03-05T01:00", 60)), place, cost_models())
    result = reports.participation_savings(attended((1, 8, 1), (1, 9, 1)), valued, place)
    assert result["lodging_applies"].tolist() == [False, True]
    assert result["money_vnd"].diff().iloc[1] == pytest.approx(0.1 * 2 * 3400 + 350_000)


def test_endpoints_that_did_not_attend_or_meetings_not_held_are_left_out():
    valued = value(meetings((1, HOST, "2024-01-08T01:00", 60)))
    # Endpoint 3 was booked but has no check-in: it is simply not in `attended`; meeting 9 is not held.
    result = reports.participation_savings(attended((1, 2, 5), (9, 2, 5)), valued, PLACES)
    assert result[["meeting", "endpoint"]].values.tolist() == [[1, 2]]


def test_totals_by_month_equal_totals_by_meeting():
    valued = value(
        meetings(
            (1, HOST, "2024-01-08T01:00", 60), (2, HOST, "2024-01-31T17:30", 60), (3, HOST, "2024-02-05T01:00", 90)
        )
    )
    result = reports.participation_savings(
        attended((1, 2, 5), (1, 4, 2), (2, 3, 3), (2, 5, 1), (3, HOST, 20), (3, 2, 4)), valued, PLACES
    )
    by_month = reports.roll_up(result, ["month"])
    by_meeting = reports.roll_up(result, ["meeting"])
    # 31 January 17:30 UTC is 1 February in Hanoi.
    assert by_month["month"].tolist() == [202401, 202402]
    assert by_month["meetings"].tolist() == [1, 2]
    assert_series_equal(by_month[reports.MEASURES[1:]].sum(), by_meeting[reports.MEASURES[1:]].sum())


def test_roll_up_by_month_and_district():
    valued = value(meetings((1, HOST, "2024-01-08T01:00", 60)))
    result = reports.participation_savings(attended((1, 2, 5), (1, 3, 3), (1, 5, 1)), valued, PLACES)
    expected = pd.DataFrame(
        {
            "month": [202401, 202401],
            "district": [10, 11],
            "meetings": [1, 1],
            "participations": [2, 1],
            "attendees": [8, 1],
            "travellers": [8, 1],
            "person_km": [472.0, 300.0],
            "person_hours": [11.8, 7.5],
            # January 2024: Circular 40/2017 rates (3,400 VND/km, per diem 200,000); 12 km pays nothing.
            "money_vnd": [5 * (80 * 3400 + 200_000), 300 * 3400 + 200_000 + 350_000],
            "co2_kg": [round(2 * 80 * 0.192 + 24 * 0.192, 1), round(300 * 0.192, 1)],
            "reached_beyond_delegation": [0, 0],
        }
    )
    assert_frame_equal(reports.roll_up(result, ["month", "district"]), expected)


def test_a_current_tree_endpoint_counts_under_the_legacy_district_it_served():
    units = pd.DataFrame(
        {
            "unit": [1, 2, 3, 10, 11],
            "code": ["20", "180", "06310", "20", "06310"],
            "name": ["Tỉnh", "Huyện Cao Lộc", "Xã Thụy Hùng", "Tỉnh", "Xã Thụy Hùng"],
            "level": ["province", "district", "commune", "province", "commune"],
            "structure": ["legacy"] * 3 + ["current"] * 2,
            "parent": [0, 1, 2, 0, 10],
            "difficult": [False, False, False, False, True],
        }
    )
    endpoints = pd.DataFrame(
        {"endpoint": [100, 101], "name": ["old", "new"], "unit": [3, 11], "legacy_unit": [0, 3], "road_km": [9.0, 9.0]}
    )
    distances = pd.DataFrame({"endpoint": [100, 101], "distance_km": [9.04, 9.0], "estimated": [True, False]})
    result = reports.endpoint_places(endpoints, units, distances)
    assert result["district"].tolist() == [2, 2]
    assert result["province_code"].tolist() == ["20", "20"]
    assert result["difficult"].tolist() == [False, True]
    assert result["distance_km"].tolist() == [9.0, 9.0]
