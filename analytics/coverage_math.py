"""Coverage over time from a status history: plain pandas, frames in, frames out.

analytics/coverage.py reads the database into frames and shapes the report; these functions
only compute, so they are tested with tiny hand-built frames.
"""

import datetime as dt

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

from vconf.limits import MAX_YEAR

# The projection of 100% continues the pace of this many recent months in a straight line.
PACE_WINDOW_MONTHS = 12


def status_intervals(history: pd.DataFrame) -> pd.DataFrame:
    """endpoint, status, start, end: each status held over [start, end); end NaT while it holds.
    Of several changes on one day the last recorded is what held that day."""
    ordered = history.sort_values(["endpoint", "effective", "seq"]).drop_duplicates(
        ["endpoint", "effective"], keep="last"
    )
    ordered["end"] = ordered.groupby("endpoint")["effective"].shift(-1)
    return ordered.rename(columns={"effective": "start"})[["endpoint", "status", "start", "end"]]


def commune_transitions(intervals: pd.DataFrame, links: pd.DataFrame, statuses: tuple[str, ...]) -> pd.DataFrame:
    """unit, date, change (+1 covered from that date, -1 no longer covered)."""
    held = intervals[intervals["status"].isin(statuses)].merge(links, on="endpoint")
    events = pd.concat(
        [
            pd.DataFrame({"unit": held["unit"], "date": held["start"], "delta": 1}),
            pd.DataFrame({"unit": held["unit"], "date": held["end"], "delta": -1}).dropna(subset=["date"]),
        ],
        ignore_index=True,
    )
    if events.empty:
        return pd.DataFrame(
            {
                "unit": pd.Series(dtype="int64"),
                "date": pd.Series(dtype="datetime64[ns]"),
                "change": pd.Series(dtype="int64"),
            }
        )
    per_day = events.groupby(["unit", "date"], sort=True)["delta"].sum().reset_index()
    covered = per_day.groupby("unit")["delta"].cumsum() > 0
    before = covered.groupby(per_day["unit"]).shift(1, fill_value=False).astype(bool)
    flips = per_day[covered != before].assign(change=np.where(covered[covered != before], 1, -1))
    return flips[["unit", "date", "change"]]


def step_counts(transitions: pd.DataFrame) -> pd.Series:
    """Communes covered from each date on (a step function indexed by date)."""
    return transitions.groupby("date")["change"].sum().sort_index().cumsum()


def counts_at(steps: pd.Series, days: list[dt.date]) -> list[int]:
    positions = steps.index.searchsorted(pd.to_datetime(days), side="right")
    return [int(steps.iloc[p - 1]) if p else 0 for p in positions]


def covered_units(transitions: pd.DataFrame, as_of: dt.date) -> pd.Series:
    """unit -> the date it has been covered since, for the communes covered on as_of."""
    upto = transitions[transitions["date"] <= pd.Timestamp(as_of)]
    last = upto.sort_values("date").groupby("unit").tail(1)
    return last[last["change"] > 0].set_index("unit")["date"]


def month_ends(first: dt.date, as_of: dt.date) -> list[dt.date]:
    days, month = [], first.replace(day=1)
    while month <= as_of:
        days.append(min(month + relativedelta(months=1, days=-1), as_of))
        month += relativedelta(months=1)
    return days


def projection(steps: pd.Series, communes: int, as_of: dt.date) -> tuple[str | None, dict]:
    now, before = counts_at(steps, [as_of, as_of - relativedelta(months=PACE_WINDOW_MONTHS)])
    pace = (now - before) / PACE_WINDOW_MONTHS
    info = {"measure": "installed", "window_months": PACE_WINDOW_MONTHS, "pace_per_month": round(pace, 2)}
    if communes and now >= communes:
        reached = steps[(steps >= communes) & (steps.index <= pd.Timestamp(as_of))]
        # The start of the last run at 100% (coverage can drop when an endpoint is retired).
        below = steps[(steps < communes) & (steps.index <= pd.Timestamp(as_of))]
        if not below.empty:
            reached = reached[reached.index > below.index.max()]
        return reached.index.min().date().isoformat(), {**info, "reached": True}
    if pace <= 0 or not communes:
        return None, {**info, "reached": False}
    day = as_of + dt.timedelta(days=round((communes - now) / pace * 30.4375))
    return (day.isoformat() if day.year <= MAX_YEAR else None), {**info, "reached": False}
