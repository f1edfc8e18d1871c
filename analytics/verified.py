"""Money the bridges' call records back (API.md "Numbers a finance office signs": verified_money_vnd).

A savings row is a checked-in participation (it has a head count). Its money is verified when the
bridge also has a leg of that room in that booking: a confirmed participation. A bridge-only
participation (a leg, no check-in) has no head count, so no traveller is known and it adds no money
here: the finance office signs what both the operator and the bridge say.
"""

import datetime as dt

import numpy as np
import pandas as pd
from django.db.models import Exists, Min, OuterRef, QuerySet
from django.db.models.functions import Coalesce

from analytics.frames import EpochSeconds, frame_from, held_meetings, integer_frame
from rooms.cdr.verification import Verification
from rooms.models import BridgeLeg, Endpoint, Meeting, Participation

COLUMN = "verified_money_vnd"


def _pair_keys(meetings: np.ndarray, endpoints: np.ndarray) -> np.ndarray:
    return meetings.astype("int64") * (1 << 32) + endpoints.astype("int64")


def is_member(keys: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """keys ∈ candidates, element-wise, by binary search in the sorted candidates: np.isin hashes
    both arrays, several times slower on a million keys."""
    if not len(candidates):
        return np.zeros(len(keys), dtype=bool)
    ordered = np.sort(candidates)
    at = np.minimum(np.searchsorted(ordered, keys), len(ordered) - 1)
    return ordered[at] == keys


def confirmed_pairs(held: QuerySet[Meeting]) -> np.ndarray:
    """Keys (meeting, endpoint) of the participations of these meetings that the bridge has a leg of.

    A semi-join: each participation is read once when a leg of it exists (EXISTS), instead of
    joining every leg to its participation and asking the database to make the pairs DISTINCT;
    a participation is one (meeting, endpoint), so no pair comes twice."""
    pairs = (
        Participation.objects.filter(meeting__in=held.order_by().values("pk"))
        .filter(Exists(BridgeLeg.objects.filter(participation=OuterRef("pk"))))
        .order_by()
        .values_list("meeting_id", "endpoint_id")
    )
    frame = integer_frame(pairs, ["meeting_id", "endpoint_id"])
    return _pair_keys(frame["meeting_id"].to_numpy(), frame["endpoint_id"].to_numpy())


def confirmed_head_counts(attended: pd.DataFrame) -> np.ndarray:
    """Keys (meeting, endpoint) of the head counts the bridge confirms (head_counts_frame(...,
    confirmed=True)): the same pairs as confirmed_pairs among the checked-in, read with the head
    counts, from the flag the database keeps (migration 0014), without a semi-join."""
    mine = attended[attended["confirmed"].to_numpy() == 1]
    return _pair_keys(mine["meeting"].to_numpy(), mine["endpoint"].to_numpy())


def with_verified_money(savings: pd.DataFrame, confirmed_keys: np.ndarray) -> pd.DataFrame:
    """The participation savings with `verified_money_vnd`: their money when the bridge confirms
    them (their key among `confirmed_keys`), else 0."""
    keys = _pair_keys(savings["meeting"].to_numpy(), savings["endpoint"].to_numpy())
    confirmed = is_member(keys, confirmed_keys) if len(keys) else np.zeros(0, dtype=bool)
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


# --- the usage report: attendance the bridge confirms, and where operators and bridge disagree ----


def verification_states(facts: pd.DataFrame, held: QuerySet[Meeting]) -> np.ndarray:
    """Per participation row (meeting, endpoint, attended): confirmed|bridge_only|operator_only|unverified,
    as rooms/cdr/verification.py defines them, for a whole period at once."""
    keys = _pair_keys(facts["meeting"].to_numpy(), facts["endpoint"].to_numpy())
    has_leg = is_member(keys, confirmed_pairs(held))
    meetings = frame_from(
        held.order_by().values_list("id", Coalesce("bridge_id", 0), EpochSeconds("end")),
        {"meeting": "int64", "bridge": "int64", "end": "int64"},
    ).set_index("meeting")
    rooms = frame_from(
        Endpoint.objects.order_by().values_list("id", Coalesce("bridge_id", 0)),
        {"endpoint": "int64", "bridge": "int64"},
    ).set_index("endpoint")
    firsts = frame_from(
        BridgeLeg.objects.order_by()
        .values("bridge_id")
        .annotate(first=EpochSeconds(Min("connected_at")))
        .values_list("bridge_id", "first"),
        {"bridge": "int64", "first": "int64"},
    ).set_index("bridge")["first"]
    own = rooms["bridge"].reindex(facts["endpoint"]).fillna(0).to_numpy(dtype="int64")
    meeting_bridge = meetings["bridge"].reindex(facts["meeting"]).fillna(0).to_numpy(dtype="int64")
    bridge = np.where(own != 0, own, meeting_bridge)
    first = firsts.reindex(bridge).to_numpy(dtype="float64")
    sends = ~np.isnan(first) & (first < meetings["end"].reindex(facts["meeting"]).to_numpy(dtype="float64"))
    attended = facts["attended"].to_numpy(dtype=bool)
    return np.select(
        [has_leg & attended, has_leg, attended & sends],
        [Verification.CONFIRMED, Verification.BRIDGE_ONLY, Verification.OPERATOR_ONLY],
        default=Verification.UNVERIFIED,
    )


def operator_discrepancies(facts: pd.DataFrame, states: np.ndarray) -> list[dict]:
    """Per operator of the rooms: check-ins the bridge could check, and how many it did not see."""
    checkable = facts.assign(state=states)
    checkable = checkable[checkable["state"].isin([Verification.CONFIRMED, Verification.OPERATOR_ONLY])]
    if checkable.empty:
        return []
    links = pd.DataFrame(
        list(
            Endpoint.operators.through.objects.filter(
                endpoint_id__in=checkable["endpoint"].unique().tolist()
            ).values_list("endpoint_id", "user__username")
        ),
        columns=["endpoint", "operator"],
    )
    joined = checkable.merge(links, on="endpoint")
    rows = []
    for operator, group in joined.groupby("operator", sort=True):
        missing = int((group["state"] == Verification.OPERATOR_ONLY).sum())
        rows.append(
            {
                "operator": operator,
                "checked_in": len(group),
                "operator_only": missing,
                "discrepancy_rate": round(missing / len(group), 4),
            }
        )
    return rows


def usage_verification(facts: pd.DataFrame, *, start: dt.datetime | None, end: dt.datetime, now: dt.datetime) -> dict:
    """The usage report's `verification` block: counts per state, the verified attendance rate
    (participations the bridge saw, of those invited) and each operator's discrepancy rate."""
    held = held_meetings(start=start, end=end, now=now)
    states = verification_states(facts, held) if len(facts) else np.array([], dtype=object)
    counts = {state: int((states == state).sum()) for state in Verification.ALL}
    verified = counts[Verification.CONFIRMED] + counts[Verification.BRIDGE_ONLY]
    return {
        **counts,
        "verified_attendance_rate": round(verified / len(facts), 4) if len(facts) else 0.0,
        "operators": operator_discrepancies(facts, states),
    }
