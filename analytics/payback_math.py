"""Payback as pure pandas functions: monthly savings against investment (re-exported by savings_math)."""

import numpy as np
import pandas as pd

from analytics.months import between

PAYBACK_COLUMNS = [
    "month",
    "savings_vnd",
    "investment_vnd",
    "cumulative_savings_vnd",
    "cumulative_investment_vnd",
    "balance_vnd",
]


def payback(monthly_savings: pd.DataFrame, investments: pd.DataFrame, last_month: int) -> pd.DataFrame:
    """Month by month: savings, investment, both cumulated, and the balance (savings − investment).

    monthly_savings: month (YYYYMM), money_vnd. investments: date (datetime64), amount_vnd.
    Months run from the first saving or investment to last_month.
    """
    months_spent = (investments["date"].dt.year * 100 + investments["date"].dt.month).astype("int64")
    spent = investments["amount_vnd"].groupby(months_spent.to_numpy()).sum()
    saved = monthly_savings.set_index("month")["money_vnd"].astype("float64")
    starts = [int(index.min()) for index in (spent.index, saved.index) if len(index)]
    if not starts:
        return pd.DataFrame({name: pd.Series(dtype="int64") for name in PAYBACK_COLUMNS})
    months = between(min(starts), max(last_month, min(starts)))
    frame = pd.DataFrame({"month": pd.Series(months, dtype="int64")})
    frame["savings_vnd"] = saved.reindex(months, fill_value=0).round().astype("int64").to_numpy()
    frame["investment_vnd"] = spent.reindex(months, fill_value=0).round().astype("int64").to_numpy()
    frame["cumulative_savings_vnd"] = frame["savings_vnd"].cumsum()
    frame["cumulative_investment_vnd"] = frame["investment_vnd"].cumsum()
    frame["balance_vnd"] = frame["cumulative_savings_vnd"] - frame["cumulative_investment_vnd"]
    return frame


def payback_month(frame: pd.DataFrame) -> int | None:
    """The first month from which cumulative savings stay at or above cumulative investment
    (None while they are below, or when nothing was invested)."""
    if frame.empty or frame["cumulative_investment_vnd"].iloc[-1] <= 0 or frame["balance_vnd"].iloc[-1] < 0:
        return None
    below = np.flatnonzero(frame["balance_vnd"].to_numpy() < 0)
    first = 0 if len(below) == 0 else below[-1] + 1
    return int(frame["month"].iloc[first])


def projected_payback_month(frame: pd.DataFrame, *, pace_months: int = 12) -> int | None:
    """If not yet paid back: the month the recent pace (mean monthly savings of the last
    `pace_months` months) would close the gap; None if paid back or there is no pace."""
    if frame.empty or frame["balance_vnd"].iloc[-1] >= 0:
        return None
    pace = frame["savings_vnd"].tail(pace_months).mean()
    if not pace > 0:
        return None
    months_needed = int(np.ceil(-frame["balance_vnd"].iloc[-1] / pace))
    last = int(frame["month"].iloc[-1])
    index = (last // 100) * 12 + (last % 100 - 1) + months_needed
    return (index // 12) * 100 + index % 12 + 1
