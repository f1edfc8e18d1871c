"""Travel savings and payback as pure pandas functions: frames in, frames out, nothing read from the database.

The formula (docs/savings.md, DOMAIN.md "Travel savings"), per attended participation with head
count a and one-way road distance d (0 at the host's own site):

    person_km    = a × 2d
    person_hours = a × 2d / average speed
    money_vnd    = a × (2d × transport rate + per diem if d ≥ threshold + lodging if d ≥ lodging threshold)
    vehicles     = ceil(a / occupancy)
    co2_kg       = vehicles × 2d × emission factor

The threshold is 15 km, or 10 km from an especially difficult commune (Circular 40/2017/TT-BTC),
both read from the cost model in force on the meeting's local date.
"""

from typing import SupportsFloat

import numpy as np
import pandas as pd

from analytics.months import LOCAL_TZ, between, months_of

MEASURES = ["meetings", "participations", "attendees", "person_km", "person_hours", "money_vnd", "co2_kg"]
NO_DISTRICT = 0  # district key of endpoints above or outside any district (province hall, new communes)

# The rates a meeting takes from its cost model.
MODEL_RATES = [
    "transport_vnd_per_km",
    "per_diem_vnd",
    "per_diem_threshold_km",
    "difficult_per_diem_threshold_km",
    "lodging_vnd_per_night",
    "lodging_threshold_km",
    "average_speed_kmh",
    "vehicle_occupancy",
    "co2_kg_per_vehicle_km",
    "min_meeting_minutes",
]
# Of those, the ones counted in whole units (people, minutes) rather than amounts.
WHOLE_RATES = ["vehicle_occupancy", "min_meeting_minutes"]


def plain(value: SupportsFloat) -> int | float:
    number = float(value)
    return int(number) if number.is_integer() else number


def cost_model_dict(model: pd.Series, *, notes: str | None = None) -> dict:
    """A row of frames.cost_models_frame as reports show a cost model: what it is and its rates."""
    return {
        "id": int(model["model"]),
        "province_code": model["province_code"] or None,
        "effective_from": model["effective_from"].date().isoformat(),
        "source": model["source"],
        **({} if notes is None else {"notes": notes}),
        **{name: plain(model[name]) for name in MODEL_RATES},
    }


def unit_places(units: pd.DataFrame) -> pd.DataFrame:
    """For each unit: the code of its province and the id of its district (NO_DISTRICT if none).

    units: unit, code, name, level, parent (0 for a province). The tree is at most three deep.
    """
    by_id = units.set_index("unit")
    level = units["level"].astype("object").to_numpy()
    parent = units["parent"].to_numpy()
    parent_level = by_id["level"].astype("object").reindex(parent).fillna("").to_numpy()
    grandparent = by_id["parent"].reindex(parent).fillna(0).astype("int64").to_numpy()
    province = np.where(level == "province", units["unit"], np.where(parent_level == "province", parent, grandparent))
    district = np.where(
        level == "district", units["unit"], np.where(parent_level == "district", parent, NO_DISTRICT)
    ).astype("int64")
    return pd.DataFrame(
        {
            "unit": units["unit"].to_numpy(),
            "province_code": by_id["code"].astype("object").reindex(province).fillna("").to_numpy(),
            "district": district,
        }
    )


def endpoint_places(endpoints: pd.DataFrame, units: pd.DataFrame, distances: pd.DataFrame) -> pd.DataFrame:
    """endpoint, endpoint_name, province_code, district, difficult, distance_km, estimated.

    A current-tree endpoint counts under the legacy district of the unit it served before the
    2025 merger (`legacy_unit`), so history and today roll up to the same districts. Distances
    are rounded to 0.1 km, the precision people enter and recompute with; NaN means unknown.
    """
    places = unit_places(units).set_index("unit")
    own = places.reindex(endpoints["unit"])
    legacy = places.reindex(endpoints["legacy_unit"])
    district = np.where(
        own["district"].fillna(NO_DISTRICT).to_numpy() != NO_DISTRICT,
        own["district"].fillna(NO_DISTRICT).to_numpy(),
        legacy["district"].fillna(NO_DISTRICT).to_numpy(),
    ).astype("int64")
    by_endpoint = distances.set_index("endpoint")
    known_km = by_endpoint["distance_km"].reindex(endpoints["endpoint"])
    estimated = by_endpoint["estimated"].reindex(endpoints["endpoint"], fill_value=False)
    return pd.DataFrame(
        {
            "endpoint": endpoints["endpoint"].to_numpy(dtype="int64"),
            "endpoint_name": endpoints["name"].astype("string").to_numpy(),
            "province_code": own["province_code"].astype("string").fillna("").to_numpy(),
            "district": district,
            "difficult": units.set_index("unit")["difficult"].reindex(endpoints["unit"]).fillna(False).to_numpy(bool),
            "distance_km": known_km.round(1).to_numpy(dtype="float64"),
            "estimated": estimated.to_numpy(dtype=bool),
        }
    )


def choose_cost_models(meetings: pd.DataFrame, cost_models: pd.DataFrame) -> pd.Series:
    """The id of the cost model valuing each meeting (NaN if none), aligned with `meetings`.

    meetings: meeting, day (local date as datetime64), province_code. The province's own model in
    force on the day wins; else the all-province model in force; meetings older than every
    all-province model take the earliest one (it values the years before the first circular too).
    """
    order = meetings[["day", "province_code"]].reset_index(names="row").sort_values("day", kind="stable")
    order["province_code"] = order["province_code"].astype("string")
    models = cost_models.sort_values("effective_from", kind="stable")[["model", "province_code", "effective_from"]]
    models = models.assign(province_code=models["province_code"].astype("string"))
    nationwide = models[models["province_code"] == ""]
    chosen = pd.merge_asof(
        order, nationwide[["model", "effective_from"]], left_on="day", right_on="effective_from", direction="backward"
    )["model"].to_numpy(dtype="float64")
    if len(nationwide):
        chosen = np.where(np.isnan(chosen), float(nationwide["model"].iloc[0]), chosen)
    provincial = models[models["province_code"] != ""]
    if len(provincial):
        own = pd.merge_asof(
            order,
            provincial[["model", "province_code", "effective_from"]],
            left_on="day",
            right_on="effective_from",
            by="province_code",
            direction="backward",
        )["model"].to_numpy(dtype="float64")
        chosen = np.where(np.isnan(own), chosen, own)
    return pd.Series(chosen, index=order["row"].to_numpy()).sort_index().set_axis(meetings.index)


def value_meetings(meetings: pd.DataFrame, places: pd.DataFrame, cost_models: pd.DataFrame) -> pd.DataFrame:
    """Held meetings with what values them: province_code (of the host), day, month (YYYYMM as an
    integer), minutes (scheduled), model and its rates, and `counted` (lasted the model's minimum).

    meetings: meeting, host, start, end (UTC). places: endpoint_places(...).
    """
    local = meetings["start"].dt.tz_convert(LOCAL_TZ)
    valued = meetings.copy()
    valued["province_code"] = (
        places.set_index("endpoint")["province_code"].reindex(meetings["host"]).astype("string").fillna("").to_numpy()
    )
    valued["day"] = local.dt.tz_localize(None).dt.normalize().astype("datetime64[ns]")
    valued["month"] = months_of(meetings["start"])
    valued["minutes"] = ((meetings["end"] - meetings["start"]).dt.total_seconds() / 60).astype("float64")
    valued["model"] = choose_cost_models(valued, cost_models)
    rates = cost_models.set_index("model")[MODEL_RATES].astype("float64").reindex(valued["model"])
    for name in MODEL_RATES:
        valued[name] = rates[name].to_numpy()
    valued["counted"] = valued["model"].notna() & (valued["minutes"] >= valued["min_meeting_minutes"])
    return valued


def _of_counted(attended: pd.DataFrame, counted: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """The attended rows of counted meetings: their meeting's row in `counted`, endpoint, attendees, meeting."""
    meeting_pos = pd.Index(counted["meeting"]).get_indexer(attended["meeting"])
    keep = meeting_pos >= 0
    endpoint = attended["endpoint"].to_numpy(dtype="int64")
    a = attended["attendees"].to_numpy(dtype="float64")
    meeting = attended["meeting"].to_numpy(dtype="int64")
    if not keep.all():
        return meeting_pos[keep], endpoint[keep], a[keep], meeting[keep]
    return meeting_pos, endpoint, a, meeting


def participation_savings(attended: pd.DataFrame, meetings: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    """One row per attended participation of a counted meeting, with every input and result.

    attended: meeting, endpoint, attendees (frames.head_counts_frame). meetings: value_meetings(...).
    Participations of meetings not in `meetings` or not counted are left out.
    """
    counted = meetings[meetings["counted"].to_numpy(dtype=bool)]
    meeting_pos, endpoint, a, meeting = _of_counted(attended, counted)

    def per_meeting(column: str) -> np.ndarray:
        return counted[column].to_numpy()[meeting_pos]

    place_pos = pd.Index(places["endpoint"]).get_indexer(endpoint)
    found = place_pos >= 0

    def place(column: str, default: object, dtype: str) -> np.ndarray:
        values = np.full(len(endpoint), default, dtype=dtype)
        values[found] = places[column].to_numpy(dtype=dtype)[place_pos[found]]
        return values

    is_host = endpoint == per_meeting("host")
    distance = np.where(is_host, 0.0, place("distance_km", np.nan, "float64"))
    known = ~np.isnan(distance)
    d = np.where(known, distance, 0.0)
    difficult = place("difficult", False, "bool")
    threshold = np.where(
        difficult, per_meeting("difficult_per_diem_threshold_km"), per_meeting("per_diem_threshold_km")
    )
    per_diem_applies = known & (d >= threshold)
    lodging_applies = known & (d >= per_meeting("lodging_threshold_km"))
    round_trip = 2 * d
    vehicles = np.ceil(a / per_meeting("vehicle_occupancy"))
    money = a * (
        round_trip * per_meeting("transport_vnd_per_km")
        + np.where(per_diem_applies, per_meeting("per_diem_vnd"), 0.0)
        + np.where(lodging_applies, per_meeting("lodging_vnd_per_night"), 0.0)
    )
    columns = {
        "meeting": meeting,
        "endpoint": endpoint,
        "month": per_meeting("month").astype("int64"),
        "district": place("district", NO_DISTRICT, "int64"),
        "model": per_meeting("model").astype("int64"),
        "is_host": is_host,
        "attendees": a.astype("int64"),
        "distance_km": np.where(known, d, np.nan),
        "estimated": place("estimated", False, "bool") & ~is_host,
        "difficult": difficult,
        "per_diem_threshold_km": threshold,
        "per_diem_applies": per_diem_applies,
        "lodging_applies": lodging_applies,
        "person_km": a * round_trip,
        "person_hours": a * round_trip / per_meeting("average_speed_kmh"),
        "money_vnd": money,
        "vehicles": vehicles.astype("int64"),
        "co2_kg": vehicles * round_trip * per_meeting("co2_kg_per_vehicle_km"),
    }
    # copy=False keeps one block per column: consolidating a million rows would cost a second.
    return pd.DataFrame(columns, copy=False)


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    frame["person_km"] = frame["person_km"].round(1)
    frame["person_hours"] = frame["person_hours"].round(1)
    frame["money_vnd"] = frame["money_vnd"].round().astype("int64")
    frame["co2_kg"] = frame["co2_kg"].round(1)
    return frame


def roll_up(savings: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Sum participation savings by these keys: keys, then MEASURES, sorted by the keys."""
    if savings.empty:
        empty = {key: pd.Series(dtype=savings[key].dtype) for key in by}
        empty.update({name: pd.Series(dtype="int64") for name in MEASURES[:3]})
        empty.update({name: pd.Series(dtype="float64") for name in MEASURES[3:]})
        return _rounded(pd.DataFrame(empty))
    groups = savings.groupby(by, sort=True)
    sums = groups[["attendees", "person_km", "person_hours", "money_vnd", "co2_kg"]].sum()
    sums.insert(0, "participations", groups.size().astype("int64"))
    meetings = savings.drop_duplicates([*by, "meeting"]).groupby(by, sort=True).size().astype("int64")
    sums.insert(0, "meetings", meetings)
    return _rounded(sums.reset_index())[[*by, *MEASURES]]


def totals(savings: pd.DataFrame) -> dict:
    """The whole period in one line, plus what a reader needs to judge it."""
    return {
        "meetings": int(savings["meeting"].nunique()),
        "participations": len(savings),
        # Participations away from the host's own site: the trips that were really not made.
        "trips_avoided": int((savings["distance_km"] > 0).sum()),
        "attendees": int(savings["attendees"].sum()),
        "person_km": round(float(savings["person_km"].sum()), 1),
        "person_hours": round(float(savings["person_hours"].sum()), 1),
        "money_vnd": round(float(savings["money_vnd"].sum())),
        "co2_kg": round(float(savings["co2_kg"].sum()), 1),
        "participations_with_estimated_distance": int(savings["estimated"].sum()),
        "participations_without_distance": int(savings["distance_km"].isna().sum()),
    }


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
