"""Months in the reports, one encoding: YYYYMM integers inside (they sort, group and index
fast), "YYYY-MM" labels in what the reports hand out. A meeting falls in the month of its local
start: the network's days are Vietnamese days (LOCAL_TZ).
"""

import calendar
import datetime as dt

import numpy as np
import pandas as pd
from django.utils import timezone

LOCAL_TZ = "Asia/Ho_Chi_Minh"


def month_of(moment: dt.datetime) -> int:
    local = timezone.localtime(moment)
    return local.year * 100 + local.month


def months_of(times: pd.Series) -> pd.Series:
    """Tz-aware timestamps as YYYYMM integers of their local date."""
    local = times.dt.tz_convert(LOCAL_TZ)
    return (local.dt.year * 100 + local.dt.month).astype("int64")


def label(month: int) -> str:
    return f"{month // 100:04d}-{month % 100:02d}"


def labels(months: pd.Series) -> np.ndarray:
    """YYYYMM integers as "YYYY-MM" strings, formatting each distinct month once."""
    codes, uniques = pd.factorize(months.astype("int64"))
    return np.array([label(int(m)) for m in uniques], dtype=object)[codes]


def between(first: int, last: int) -> list[int]:
    """Every month from first to last inclusive."""
    months, year, month = [], first // 100, first % 100
    while year * 100 + month <= last:
        months.append(year * 100 + month)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def last_day(month: int | None) -> dt.date | None:
    if month is None:
        return None
    year, number = divmod(month, 100)
    return dt.date(year, number, calendar.monthrange(year, number)[1])


def fill(rows: pd.DataFrame, first: int | None, last: int) -> pd.DataFrame:
    """Zero rows for the months without data from first (default: the first with data) to last,
    so charts and spreadsheets show the gaps. `rows` has a YYYYMM `month` column."""
    present = rows["month"].tolist()
    first = first if first is not None else min(present, default=None)
    if first is None:
        return rows
    span = between(first, max([last, *present]))
    return rows.set_index("month").reindex(span, fill_value=0).rename_axis("month").reset_index()
