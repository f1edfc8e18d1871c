"""The trip each participation stands for, as pure numpy/pandas functions (docs/savings.md "Trips").

A room's delegation would otherwise have travelled:
- to the host's site when the meeting's host is in their province (measured, as before, to the
  province's host: `distance_km` of endpoint_places);
- otherwise to their own province's host, whose delegation in turn travels to the meeting's host:
  a provincial hall (a room of a province- or country-level unit, or a province's configured
  host) taking part in a meeting hosted outside its province travels to that host, the straight
  line times its province's circuity factor, flagged as estimated (a national conference:
  communes to their provincial hall, the provincial delegation to the central venue).

Each traveller is valued with the cost model of their own province in force on the meeting's day.
Islands and special zones (Unit.island) are never estimated by road: without an entered distance
their trips are "distance not entered" and count no money.
"""

from collections.abc import Callable

import numpy as np
import pandas as pd

from analytics.months import LOCAL_TZ

# How a participation's distance was found (the `basis` column: small integers, a million rows).
HOST_SITE, ENTERED, ESTIMATED, BOAT, AIR, NOT_ENTERED, UNKNOWN = range(7)
BASIS = {
    HOST_SITE: "host_site",
    ENTERED: "entered",
    ESTIMATED: "estimated",
    BOAT: "boat",
    AIR: "air",
    NOT_ENTERED: "not_entered",
    UNKNOWN: "unknown",
}
MODES = {"road": 0, "boat": 1, "air": 2}
ROAD, BY_BOAT, BY_AIR = 0, 1, 2
EARTH_RADIUS_KM = 6371.0088
DEFAULT_CIRCUITY = 1.4
HALL_LEVELS = ("province", "country")
# savings_math.choose_cost_models: (day, province_code) rows and the cost models -> model ids.
Chooser = Callable[[pd.DataFrame, pd.DataFrame], pd.Series]


def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance in km (NaN where a coordinate is unknown)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = p2 - p1, np.radians(lon2) - np.radians(lon1)
    h = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def place_basis(distance_km: np.ndarray, estimated: np.ndarray, mode: np.ndarray, island: np.ndarray) -> np.ndarray:
    """Per endpoint: how its distance to its province's host is known (BASIS codes).

    Boat and air trips, and every trip from an island, need an entered distance: an estimate
    from coordinates would be a road guess where there is no road.
    """
    needs_entry = island | (mode != ROAD)
    basis = np.where(estimated, ESTIMATED, ENTERED)
    basis = np.where(distance_km == 0, HOST_SITE, basis)
    basis = np.where(mode == BY_BOAT, BOAT, np.where(mode == BY_AIR, AIR, basis))
    basis = np.where(np.isnan(distance_km), UNKNOWN, basis)
    return np.where(needs_entry & (estimated | np.isnan(distance_km)), NOT_ENTERED, basis).astype("int8")


def trip_places(endpoints: pd.DataFrame, units: pd.DataFrame, provinces: pd.DataFrame | None) -> pd.DataFrame:
    """Per endpoint (aligned with `endpoints`): hall, lat, lon, mode, fare_vnd, island,
    own_host (its province's host endpoint, 0 if none), circuity — what its trips need beyond
    the distance to its province's host. `province_code` is filled in by the caller."""
    by_unit = units.set_index("unit")
    unit = endpoints["unit"].to_numpy()

    def of_unit(column: str, default: object) -> np.ndarray:
        if column not in by_unit:
            return np.full(len(unit), default)
        return by_unit[column].reindex(unit).to_numpy(dtype=type(default), na_value=default)

    lat, lon = of_unit("lat", np.nan), of_unit("lon", np.nan)
    if "legacy_unit" in endpoints and "lat" in by_unit:
        legacy = endpoints["legacy_unit"].to_numpy()
        lat = np.where(np.isnan(lat), by_unit["lat"].reindex(legacy).to_numpy(dtype=float, na_value=np.nan), lat)
        lon = np.where(np.isnan(lon), by_unit["lon"].reindex(legacy).to_numpy(dtype=float, na_value=np.nan), lon)
    level = by_unit["level"].astype("object").reindex(unit).to_numpy()
    ids = endpoints["endpoint"].to_numpy(dtype="int64")
    hosts = provinces["host"].to_numpy(dtype="int64") if provinces is not None else np.zeros(0, "int64")
    modes = endpoints["travel_mode"] if "travel_mode" in endpoints else pd.Series("road", index=endpoints.index)
    fares = endpoints["fare_vnd"] if "fare_vnd" in endpoints else pd.Series(np.nan, index=endpoints.index)
    return pd.DataFrame(
        {
            "hall": np.isin(level, HALL_LEVELS) | np.isin(ids, hosts[hosts > 0]),
            "lat": lat,
            "lon": lon,
            "mode": modes.astype("object").map(MODES).fillna(ROAD).to_numpy(dtype="int8"),
            "fare_vnd": fares.to_numpy(dtype="float64", na_value=np.nan),
            "island": of_unit("island", False),
        }
    )


def province_trip_columns(province_code: pd.Series, provinces: pd.DataFrame | None) -> pd.DataFrame:
    """own_host and circuity for each province code (0 and the default factor when unset)."""
    if provinces is None or provinces.empty:
        return pd.DataFrame({"own_host": np.zeros(len(province_code), "int64"), "circuity": DEFAULT_CIRCUITY})
    by_code = provinces.assign(province_code=provinces["province_code"].astype("object")).set_index("province_code")
    codes = province_code.astype("object").to_numpy()
    return pd.DataFrame(
        {
            "own_host": by_code["host"].reindex(codes).fillna(0).to_numpy(dtype="int64"),
            "circuity": by_code["circuity_factor"].reindex(codes).fillna(DEFAULT_CIRCUITY).to_numpy(dtype="float64"),
        }
    )


def province_numbers(places: pd.DataFrame, meetings: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The province codes of places and of meetings' hosts as integers of one shared numbering,
    and the codes by number."""
    place_codes = places["province_code"].astype("object").fillna("").to_numpy()
    meeting_codes = meetings["province_code"].astype("object").fillna("").to_numpy()
    numbers, codes = pd.factorize(np.concatenate([place_codes, meeting_codes]))
    return numbers[: len(place_codes)], numbers[len(place_codes) :], np.asarray(codes, dtype="object")


def traveller_models(
    *,
    away: np.ndarray,
    meeting_pos: np.ndarray,
    province: np.ndarray,
    codes: np.ndarray,
    meetings: pd.DataFrame,
    cost_models: pd.DataFrame,
    choose: Chooser,
) -> np.ndarray:
    """The cost model id valuing each row: the meeting's (its host's province) for rows in the
    host's province; for the others, their own province's model in force on the meeting's day.

    province: each row's province number; codes[number] is its code. Only the few distinct
    (meeting, province) pairs of rows away from their host's province go through `choose`.
    """
    model = meetings["model"].to_numpy(dtype="float64")[meeting_pos]
    if not away.any():
        return model
    span = int(province.max()) + 1
    pairs, inverse = np.unique(meeting_pos[away].astype("int64") * span + province[away], return_inverse=True)
    days = meetings["start"].dt.tz_convert(LOCAL_TZ).dt.tz_localize(None).dt.normalize().astype("datetime64[ns]")
    asked = pd.DataFrame(
        {
            "day": days.to_numpy()[pairs // span],
            "province_code": pd.Series(codes[pairs % span], dtype="string"),
        }
    )
    chosen = choose(asked, cost_models).to_numpy(dtype="float64")[inverse]
    model[away] = np.where(np.isnan(chosen), model[away], chosen)
    return model


class Rows:
    """Per-row views of the frames a participation reads: its meeting's column, its place's column."""

    def __init__(self, counted: pd.DataFrame, meeting_pos: np.ndarray, places: pd.DataFrame, endpoint: np.ndarray):
        self.counted, self.meeting_pos, self.places = counted, meeting_pos, places
        self.place_pos = pd.Index(places["endpoint"]).get_indexer(endpoint)
        self.found = self.place_pos >= 0
        self.all_found = bool(self.found.all())

    def meeting(self, column: str, default: float = 0.0) -> np.ndarray:
        if column not in self.counted:
            return np.full(len(self.meeting_pos), default)
        return self.counted[column].to_numpy()[self.meeting_pos]

    def place(self, column: str, default: object, dtype: str) -> np.ndarray:
        if self.all_found and column in self.places:
            return self.places[column].to_numpy(dtype=dtype)[self.place_pos]  # one gather, no mask
        values = np.full(len(self.place_pos), default, dtype=dtype)
        if column in self.places:
            values[self.found] = self.places[column].to_numpy(dtype=dtype)[self.place_pos[self.found]]
        return values


def row_trips(
    rows: Rows, endpoint: np.ndarray, cost_models: pd.DataFrame | None, choose: Chooser
) -> dict[str, np.ndarray]:
    """Where each row's delegation would have gone and how far: distance (NaN unknown), estimated,
    basis, destination, mode, fare, and the cost model valuing it."""
    host = rows.meeting("host").astype("int64")
    is_host = endpoint == host
    place_numbers, meeting_numbers, codes = province_numbers(rows.places, rows.counted)
    province = np.where(rows.found, place_numbers[np.maximum(rows.place_pos, 0)], -1)
    away = rows.found & ~is_host & (province != meeting_numbers[rows.meeting_pos])
    distance = rows.place("distance_km", np.nan, "float64")
    estimated = rows.place("estimated", False, "bool")
    if "basis" in rows.places:
        basis = rows.place("basis", UNKNOWN, "int8")
    else:
        basis = np.where(np.isnan(distance), UNKNOWN, np.where(estimated, ESTIMATED, ENTERED))
    mode = rows.place("mode", ROAD, "int8")
    any_away = bool(away.any())
    hall_leg = away & rows.place("hall", False, "bool") if any_away else away
    if hall_leg.any():
        # A provincial hall in a meeting hosted outside its province goes to the meeting's host.
        host_pos = pd.Index(rows.places["endpoint"]).get_indexer(host[hall_leg])
        lat, lon = rows.place("lat", np.nan, "float64"), rows.place("lon", np.nan, "float64")
        host_lat = np.where(host_pos >= 0, rows.places["lat"].to_numpy(dtype="float64")[host_pos], np.nan)
        host_lon = np.where(host_pos >= 0, rows.places["lon"].to_numpy(dtype="float64")[host_pos], np.nan)
        km = haversine_km(lat[hall_leg], lon[hall_leg], host_lat, host_lon)
        km = (km * rows.place("circuity", DEFAULT_CIRCUITY, "float64")[hall_leg]).round(1)
        distance[hall_leg], estimated[hall_leg], mode[hall_leg] = km, ~np.isnan(km), ROAD
        basis[hall_leg] = np.where(np.isnan(km), UNKNOWN, ESTIMATED)
    own_host = rows.place("own_host", 0, "int64") if any_away else 0
    by_fare = "mode" in rows.places and bool((rows.places["mode"].to_numpy() != ROAD).any())
    fare = np.nan_to_num(rows.place("fare_vnd", np.nan, "float64")) if by_fare else 0.0
    model = rows.meeting("model")
    if cost_models is not None and any_away:
        model = traveller_models(
            away=away,
            meeting_pos=rows.meeting_pos,
            province=province,
            codes=codes,
            meetings=rows.counted,
            cost_models=cost_models,
            choose=choose,
        )
    return {
        "is_host": is_host,
        "distance": np.where(is_host, 0.0, distance),
        "estimated": estimated & ~is_host,
        "basis": np.where(is_host, HOST_SITE, basis).astype("int8"),
        "destination": np.where(away & ~hall_leg & (own_host > 0), own_host, host) if any_away else host,
        "mode": np.where(is_host, ROAD, mode),
        "all_road": not by_fare,
        "fare": np.where(is_host | hall_leg, 0.0, fare) if by_fare else fare,
        "model": model,
    }


def row_rates(
    rows: Rows, model: np.ndarray, cost_models: pd.DataFrame | None, names: list[str]
) -> dict[str, np.ndarray | float]:
    """Each rate of MODEL_RATES per row, from the row's own cost model (or its meeting's). A rate
    every model shares (thresholds, speed, occupancy...) is one number, not a million copies."""
    if cost_models is None:
        return {name: rows.meeting(name, np.nan).astype("float64") for name in names}
    table = cost_models.set_index("model")
    # Model ids are small integers: a lookup table maps a million rows in one gather.
    ids = table.index.to_numpy(dtype="int64")
    lookup = np.full(int(ids.max(initial=0)) + 2, -1, dtype="int64")
    lookup[ids] = np.arange(len(ids))
    whole = np.nan_to_num(model, nan=-1).astype("int64")
    used = np.where((whole >= 0) & (whole < len(lookup)), lookup[np.clip(whole, 0, len(lookup) - 1)], -1)
    all_known = bool((used >= 0).all())
    rates: dict[str, np.ndarray | float] = {}
    for name in names:
        values = table[name].to_numpy(dtype="float64")
        same = all_known and len(values) > 0 and bool((values == values[0]).all())
        rates[name] = float(values[0]) if same else values[used]
    return rates
