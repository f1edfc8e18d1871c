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

from analytics import trips
from analytics.months import LOCAL_TZ, months_of

# Re-exported: payback lived here before this module grew the trips.
from analytics.payback_math import PAYBACK_COLUMNS as PAYBACK_COLUMNS
from analytics.payback_math import payback as payback
from analytics.payback_math import payback_month as payback_month
from analytics.payback_math import projected_payback_month as projected_payback_month

MEASURES = [
    "meetings",
    "participations",
    "attendees",
    "travellers",
    "person_km",
    "person_hours",
    "money_vnd",
    "co2_kg",
    "reached_beyond_delegation",
]
# Counted in whole people or meetings; the others are amounts.
WHOLE_MEASURES = ["meetings", "participations", "attendees", "travellers", "reached_beyond_delegation"]
NO_DISTRICT = 0  # district key of endpoints above or outside any district (province hall, new communes)

# The rates a meeting takes from its cost model.
MODEL_RATES = [
    "transport_vnd_per_km",
    "per_diem_vnd",
    "transport_threshold_km",
    "difficult_transport_threshold_km",
    "per_diem_threshold_km",
    "difficult_per_diem_threshold_km",
    "lodging_vnd_per_night",
    "lodging_threshold_km",
    "average_speed_kmh",
    "vehicle_occupancy",
    "co2_kg_per_vehicle_km",
    "min_meeting_minutes",
    "default_delegates_per_site",
]
# Of those, the ones counted in whole units (people, minutes) rather than amounts.
WHOLE_RATES = ["default_delegates_per_site", "vehicle_occupancy", "min_meeting_minutes"]


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


def endpoint_places(
    endpoints: pd.DataFrame, units: pd.DataFrame, distances: pd.DataFrame, provinces: pd.DataFrame | None = None
) -> pd.DataFrame:
    """endpoint, endpoint_name, province_code, district, difficult, distance_km, estimated, and
    what trips need (analytics/trips.py): basis, hall, lat, lon, mode, fare_vnd, island,
    own_host, circuity. provinces: frames.provinces_frame().

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
    province_code = own["province_code"].astype("string").fillna("").reset_index(drop=True)
    frame = pd.DataFrame(
        {
            "endpoint": endpoints["endpoint"].to_numpy(dtype="int64"),
            "endpoint_name": endpoints["name"].astype("string").to_numpy(),
            "province_code": province_code.to_numpy(),
            "district": district,
            "difficult": units.set_index("unit")["difficult"].reindex(endpoints["unit"]).fillna(False).to_numpy(bool),
            "distance_km": known_km.round(1).to_numpy(dtype="float64"),
            "estimated": estimated.to_numpy(dtype=bool),
        }
    )
    extra = pd.concat(
        [
            trips.trip_places(endpoints.reset_index(drop=True), units, provinces),
            trips.province_trip_columns(province_code, provinces),
        ],
        axis=1,
    )
    for column in extra.columns:
        frame[column] = extra[column].to_numpy()
    basis = trips.place_basis(
        frame["distance_km"].to_numpy(),
        frame["estimated"].to_numpy(),
        frame["mode"].to_numpy(),
        frame["island"].to_numpy(),
    )
    frame["basis"] = basis
    # No road guess for an island or a boat or air trip: without an entered distance, none.
    frame.loc[basis == trips.NOT_ENTERED, ["distance_km", "estimated"]] = [np.nan, False]
    return frame


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


def _of_counted(attended: pd.DataFrame, counted: pd.DataFrame) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The attended rows of counted meetings: their meeting's row in `counted`, and their columns."""
    meeting_pos = pd.Index(counted["meeting"]).get_indexer(attended["meeting"])
    keep = meeting_pos >= 0
    columns = {name: attended[name].to_numpy() for name in attended.columns}
    if not keep.all():
        return meeting_pos[keep], {name: values[keep] for name, values in columns.items()}
    return meeting_pos, columns


def _trip_results(
    trip: dict[str, np.ndarray],
    rate: dict[str, np.ndarray | float],
    travellers: np.ndarray,
    difficult: np.ndarray,
    vehicles: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Thresholds, person-km, hours, money, vehicles and CO2 of each row's trip (docs/savings.md).
    `vehicles`, when given, are the rows' own (a row summing several participations)."""
    known = ~np.isnan(trip["distance"])
    d = np.where(known, trip["distance"], 0.0)
    road = trip["mode"] == trips.ROAD

    def at_least(name: str, difficult_name: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        other = rate[name] if difficult_name is None else rate[difficult_name]
        threshold = np.where(difficult, other, rate[name])
        return threshold, known & (d >= threshold)

    transport_threshold, transport_applies = at_least("transport_threshold_km", "difficult_transport_threshold_km")
    transport_applies &= road
    per_diem_threshold, per_diem_applies = at_least("per_diem_threshold_km", "difficult_per_diem_threshold_km")
    _, lodging_applies = at_least("lodging_threshold_km")
    round_trip = 2 * d
    # Road: the own-vehicle allowance per km from the threshold on; boat or air: the fare both ways.
    transport = np.where(transport_applies, round_trip * rate["transport_vnd_per_km"], 0.0)
    if vehicles is None:
        vehicles = np.ceil(travellers / rate["vehicle_occupancy"])
    hours = travellers * round_trip / rate["average_speed_kmh"]
    if not trip["all_road"]:
        transport = transport + np.where(known & ~road, 2 * trip["fare"], 0.0)
        vehicles, hours = np.where(road, vehicles, 0.0), np.where(road, hours, 0.0)
    money = travellers * (
        transport
        + np.where(per_diem_applies, rate["per_diem_vnd"], 0.0)
        + np.where(lodging_applies, rate["lodging_vnd_per_night"], 0.0)
    )
    return {
        "distance_km": np.where(known, d, np.nan),
        "transport_threshold_km": transport_threshold,
        "transport_applies": transport_applies,
        "per_diem_threshold_km": per_diem_threshold,
        "per_diem_applies": per_diem_applies,
        "lodging_applies": lodging_applies,
        "person_km": travellers * round_trip,
        "person_hours": hours,
        "money_vnd": money,
        "vehicles": vehicles.astype("int64"),
        "co2_kg": vehicles * round_trip * rate["co2_kg_per_vehicle_km"],
    }


def participation_savings(
    attended: pd.DataFrame, meetings: pd.DataFrame, places: pd.DataFrame, cost_models: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per attended participation of a counted meeting, with every input and result.

    attended: meeting, endpoint, attendees (frames.head_counts_frame). meetings: value_meetings(...).
    Participations of meetings not in `meetings` or not counted are left out. With `cost_models`,
    a traveller from another province than the host's is valued with their own province's model.
    Travellers: min(attendees, the meeting's delegates_per_site or the model's default).

    A row of `attended` may also stand for several participations of meetings that share every
    factor (analytics/grouped.py): then it carries their `weight` (how many), and the sums of
    their `travellers` and `vehicles`, which are kept as given, and the result keeps `weight`.
    """
    counted = meetings[meetings["counted"].to_numpy(dtype=bool)]
    meeting_pos, given = _of_counted(attended, counted)
    endpoint, a = given["endpoint"].astype("int64"), given["attendees"].astype("float64")
    rows = trips.Rows(counted, meeting_pos, places, endpoint)
    trip = trips.row_trips(rows, endpoint, cost_models, choose_cost_models)
    rate = trips.row_rates(rows, trip["model"], cost_models, MODEL_RATES)
    if "travellers" in given:
        travellers = given["travellers"].astype("float64")
    else:
        invited = rows.meeting("delegates_per_site").astype("float64")
        travellers = np.minimum(a, np.where(invited > 0, invited, rate["default_delegates_per_site"]))
    difficult = rows.place("difficult", False, "bool")
    vehicles = given["vehicles"].astype("float64") if "vehicles" in given else None
    results = _trip_results(trip, rate, travellers, difficult, vehicles)
    weight = {"weight": given["weight"].astype("int64")} if "weight" in given else {}
    columns = {
        "meeting": given["meeting"].astype("int64"),
        "endpoint": endpoint,
        **weight,
        "month": rows.meeting("month").astype("int64"),
        "district": rows.place("district", NO_DISTRICT, "int64"),
        "model": trip["model"].astype("int64"),
        "is_host": trip["is_host"],
        "attendees": a.astype("int64"),
        "travellers": travellers.astype("int64"),
        "destination": trip["destination"].astype("int64"),
        "distance_km": results.pop("distance_km"),
        "estimated": trip["estimated"],
        "basis": trip["basis"],
        "difficult": difficult,
        **results,
    }
    # copy=False keeps one block per column: consolidating a million rows would cost a second.
    return pd.DataFrame(columns, copy=False)


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    frame["person_km"] = frame["person_km"].round(1)
    frame["person_hours"] = frame["person_hours"].round(1)
    frame["money_vnd"] = frame["money_vnd"].round().astype("int64")
    frame["co2_kg"] = frame["co2_kg"].round(1)
    return frame


def weights(savings: pd.DataFrame) -> np.ndarray:
    """How many participations each savings row stands for: 1, or a grouped row's `weight`."""
    if "weight" in savings:
        return savings["weight"].to_numpy(dtype="int64")
    return np.ones(len(savings), dtype="int64")


def roll_up(savings: pd.DataFrame, by: list[str], presence: pd.DataFrame | None = None) -> pd.DataFrame:
    """Sum participation savings by these keys: keys, then MEASURES, sorted by the keys.

    Meetings are counted once per group among the savings rows, or, for grouped rows (which no
    longer name each meeting), among `presence`: one row per meeting and value of the keys."""
    if savings.empty:
        empty = {key: pd.Series(dtype=savings[key].dtype) for key in by}
        empty.update({name: pd.Series(dtype="int64" if name in WHOLE_MEASURES else "float64") for name in MEASURES})
        return _rounded(pd.DataFrame(empty))[[*by, *MEASURES]]
    groups = savings.groupby(by, sort=True)
    sums = groups[["attendees", "travellers", "person_km", "person_hours", "money_vnd", "co2_kg"]].sum()
    counts = groups["weight"].sum() if "weight" in savings else groups.size()
    sums.insert(0, "participations", counts.astype("int64"))
    reached = savings if presence is None else presence
    meetings = reached.drop_duplicates([*by, "meeting"]).groupby(by, sort=True).size().astype("int64")
    sums.insert(0, "meetings", meetings.reindex(sums.index, fill_value=0))
    # The people a meeting reached beyond the delegation that would have travelled: a benefit of
    # its own, never money.
    sums["reached_beyond_delegation"] = sums["attendees"] - sums["travellers"]
    return _rounded(sums.reset_index())[[*by, *MEASURES]]


def totals(savings: pd.DataFrame, presence: pd.DataFrame | None = None) -> dict:
    """The whole period in one line, plus what a reader needs to judge it (presence: roll_up's)."""
    basis = savings["basis"].to_numpy() if "basis" in savings else np.zeros(len(savings), "int8")
    attendees, travellers = int(savings["attendees"].sum()), int(savings["travellers"].sum())
    away = (savings["distance_km"] > 0).to_numpy()
    weight = weights(savings)

    def participations(where: np.ndarray) -> int:
        return int(weight[where].sum())

    return {
        "meetings": int((savings if presence is None else presence)["meeting"].nunique()),
        "participations": int(weight.sum()),
        # Participations away from the host's own site: the trips that were really not made.
        "trips_avoided": participations(away),
        "attendees": attendees,
        "travellers": travellers,
        "reached_beyond_delegation": attendees - travellers,
        "person_km": round(float(savings["person_km"].sum()), 1),
        "person_hours": round(float(savings["person_hours"].sum()), 1),
        "money_vnd": round(float(savings["money_vnd"].sum())),
        "co2_kg": round(float(savings["co2_kg"].sum()), 1),
        "participations_with_estimated_distance": participations(savings["estimated"].to_numpy(dtype=bool)),
        "participations_without_distance": participations(savings["distance_km"].isna().to_numpy()),
        # Islands and special zones whose distance nobody entered: counted, no money, no road guess.
        "participations_distance_not_entered": participations(basis == trips.NOT_ENTERED),
        # Road trips under the transport threshold: km, hours and CO2 avoided, no allowance paid.
        "trips_below_transport_threshold": participations(
            away & ~savings["transport_applies"].to_numpy(dtype=bool) & (basis != trips.BOAT) & (basis != trips.AIR)
        )
        if "transport_applies" in savings
        else 0,
    }
