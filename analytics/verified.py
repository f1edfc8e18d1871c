"""Money the bridges' call records back (API.md "Numbers a finance office signs": verified_money_vnd).

A savings row is a checked-in participation (it has a head count). Its money is verified when the
bridge also has a leg of that room in that booking: a confirmed participation. A bridge-only
participation (a leg, no check-in) has no head count, so no traveller is known and it adds no money
here: the finance office signs what both the operator and the bridge say.
"""

import numpy as np
import pandas as pd
from django.db.models import F, QuerySet

from analytics.frames import integer_frame
from rooms.models import BridgeLeg, Meeting

COLUMN = "verified_money_vnd"


def _pair_keys(meetings: np.ndarray, endpoints: np.ndarray) -> np.ndarray:
    return meetings.astype("int64") * (1 << 32) + endpoints.astype("int64")


def confirmed_pairs(held: QuerySet[Meeting]) -> np.ndarray:
    """Keys (meeting, endpoint) of the participations of these meetings that the bridge has a leg of."""
    legs = (
        BridgeLeg.objects.filter(participation__meeting__in=held.order_by().values("pk"))
        .order_by()
        .annotate(leg_meeting=F("participation__meeting_id"), leg_endpoint=F("participation__endpoint_id"))
        .values_list("leg_meeting", "leg_endpoint")
        .distinct()
    )
    frame = integer_frame(legs, ["leg_meeting", "leg_endpoint"])
    return _pair_keys(frame["leg_meeting"].to_numpy(), frame["leg_endpoint"].to_numpy())


def with_verified_money(savings: pd.DataFrame, held: QuerySet[Meeting]) -> pd.DataFrame:
    """The participation savings with `verified_money_vnd`: their money when the bridge confirms them, else 0."""
    keys = _pair_keys(savings["meeting"].to_numpy(), savings["endpoint"].to_numpy())
    confirmed = np.isin(keys, confirmed_pairs(held)) if len(keys) else np.zeros(0, dtype=bool)
    savings[COLUMN] = np.where(confirmed, savings["money_vnd"].to_numpy(dtype="float64"), 0.0)
    return savings


def add_to_rows(rows: pd.DataFrame, savings: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Roll-up rows (by these keys) with their verified money, rounded like money_vnd."""
    if COLUMN not in savings:
        rows[COLUMN] = 0
        return rows
    sums = savings.groupby(by, sort=False)[COLUMN].sum().round().astype("int64")
    rows[COLUMN] = sums.reindex(pd.MultiIndex.from_frame(rows[by]) if len(by) > 1 else rows[by[0]]).fillna(0).to_numpy()
    rows[COLUMN] = rows[COLUMN].astype("int64")
    return rows


def total(savings: pd.DataFrame) -> int:
    return round(float(savings[COLUMN].sum())) if COLUMN in savings else 0
