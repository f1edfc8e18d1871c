"""Payback: cumulative savings against cumulative investment, as frames and through the API."""

import datetime as dt
from datetime import UTC, datetime
from decimal import Decimal

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from analytics import savings_math as reports
from analytics.models import Investment


def monthly(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["month", "money_vnd"]).astype({"money_vnd": "float64"})


def invested(*rows: tuple) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["date", "amount_vnd"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame.astype({"amount_vnd": "float64"})


def test_the_payback_frame_cumulates_savings_and_investment_month_by_month():
    frame = reports.payback(monthly((202402, 40), (202404, 70)), invested(("2024-01-15", 100)), last_month=202405)
    expected = pd.DataFrame(
        {
            "month": [202401, 202402, 202403, 202404, 202405],
            "savings_vnd": [0, 40, 0, 70, 0],
            "investment_vnd": [100, 0, 0, 0, 0],
            "cumulative_savings_vnd": [0, 40, 40, 110, 110],
            "cumulative_investment_vnd": [100, 100, 100, 100, 100],
            "balance_vnd": [-100, -60, -60, 10, 10],
        }
    )
    assert_frame_equal(frame, expected)
    assert reports.payback_month(frame) == 202404


def test_a_later_investment_moves_the_payback_month_to_when_savings_catch_up_again():
    frame = reports.payback(
        monthly((201001, 60), (201002, 60), (201003, 60), (201004, 60)),
        invested(("2010-01-01", 100), ("2010-03-01", 100)),
        last_month=201004,
    )
    assert frame["balance_vnd"].tolist() == [-40, 20, -20, 40]
    assert reports.payback_month(frame) == 201004


def test_no_payback_date_while_savings_are_below_and_a_projection_at_the_recent_pace():
    frame = reports.payback(monthly((202401, 10), (202402, 10)), invested(("2024-01-01", 100)), last_month=202402)
    assert reports.payback_month(frame) is None
    # 80 VND missing at 10 VND a month: 8 more months after February.
    assert reports.projected_payback_month(frame) == 202410


def test_nothing_invested_means_no_payback_figures():
    frame = reports.payback(monthly((202401, 10)), invested(), last_month=202401)
    assert reports.payback_month(frame) is None
    assert reports.projected_payback_month(frame) is None


@pytest.mark.django_db
def test_the_payback_api_gives_the_date_and_percent(api, leader, province, held_meeting, clock):
    province.ep_d1.road_km = Decimal(40)
    province.ep_d1.save()
    Investment.objects.create(province_code="20", date=dt.date(2025, 12, 1), amount_vnd=1_000_000, description="MCU")
    # 5 people × (80 km × 4,000 + 300,000) = 3,100,000 VND in February 2026.
    held_meeting(start=datetime(2026, 2, 2, 1, 0, tzinfo=UTC), heads={province.ep_d1: 5})
    body = api(leader).get("/api/reports/payback/", {"province": "20"}).json()
    assert body["payback_date"] == "2026-02-28"
    assert body["payback_month"] == "2026-02"
    # 5 people in Văn Lãng, 40 km: 3 of them (the default delegation) would have travelled.
    assert body["payback_percent"] == 186.0
    assert body["totals"] == {"savings_vnd": 1_860_000, "investment_vnd": 1_000_000, "balance_vnd": 860_000}
    assert [row["month"] for row in body["rows"]] == ["2025-12", "2026-01", "2026-02", "2026-03"]
    assert body["investments"][0]["description"] == "MCU"


@pytest.mark.django_db
def test_the_payback_api_refuses_an_unknown_province_and_operators(api, leader, operator, province, clock):
    response = api(leader).get("/api/reports/payback/", {"province": "99"})
    assert response.status_code == 400
    assert "province" in response.json()
    assert api(operator).get("/api/reports/payback/").status_code == 403
