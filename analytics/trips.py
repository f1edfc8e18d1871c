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
    choose: Callable[[pd.DataFrame, pd.DataFrame], pd.Series],
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

    def meeting(self, column: str, default: float = 0.0) -> np.ndarray:
        if column not in self.counted:
            return np.full(len(self.meeting_pos), default)
        return self.counted[column].to_numpy()[self.meeting_pos]

    def place(self, column: str, default: object, dtype: str) -> np.ndarray:
        values = np.full(len(self.place_pos), default, dtype=dtype)
        if column in self.places:
            values[self.found] = self.places[column].to_numpy(dtype=dtype)[self.place_pos[self.found]]
        return values
