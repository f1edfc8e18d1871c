"""The savings of the whole country's history, read already grouped by PostgreSQL.

A participation's money, kilometres and hours are its travellers times factors of its endpoint
and of its meeting, and its vehicles are ceil(travellers / occupancy) (savings_math). Meetings of
one *class* share every meeting factor: the same host, local month and delegates per site, and
the same cost-model epoch (between two effective dates, every province's model in force is the
same). So the database sums the head counts by (class, endpoint, confirmed by the bridge), each
participation's travellers capped at its delegation and its vehicles counted as savings_math
counts them; savings_math.participation_savings then values those sums, one row for about a dozen
participations, with the very same arithmetic. Each sum also carries which meetings of its class it
covers (bits of their places in the class), for the meeting counts.

It serves the reports keyed by month and province, on PostgreSQL, read by someone who sees a whole
province or the country (savings.build_report). District, endpoint and meeting keys, a district
reader and SQLite keep the row-per-participation path; tests/test_grouped_savings.py holds the two
paths to the same figures.
"""

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from django.db import connection, transaction

from analytics import frames, packing, verified
from analytics import savings_math as math
from analytics.provinces import participant_provinces

if TYPE_CHECKING:
    from analytics.savings import Savings

GROUPABLE = {"month", "province", "district"}
# The sums below spill to disk under PostgreSQL's default 4 MB: a few hundred thousand groups.
WORK_MEM = "256MB"

# Each head count's class, slot (its meeting's place in the class), delegation cap and occupancy
# come from arrays by meeting id, a lookup a row and no join to hash; class -1 marks a meeting
# that is not a counted one of the period, and its rows (whose lookups may be NULL) are dropped
# after the sums. Where every class has the same cap and occupancy they are plain numbers; where
# a class's depend on the traveller's province they are read by (class, province).
BY_MEETING = "(%({name})s::integer[])[h.meeting_id - %(first_meeting)s + 1]"
BY_PROVINCE = (
    "(%({name})s::integer[])[" + BY_MEETING.format(name="classes") + " * %(provinces)s"
    " + (%(province_of)s::integer[])[h.endpoint_id - %(first_endpoint)s + 1] + 1]"
)
EVERYWHERE = "%({name})s"
# Summed by one integer key (class, endpoint, whether the bridge confirms it), with the meetings of
# the class each sum covers as bits of their slots (so their number, too). Attendees and
# travellers share one sum, `people`, as attendees × 2^21 + travellers: a float8 sum, which
# PostgreSQL adds faster than integers, and exact here, as a sum covers at most SLOTS head
# counts of at most MAX_PEOPLE (the check-in's constraint), so each part stays below 2^21.
SUMS = """
SELECT key, CAST(SUM(CAST(attendees AS float8) * 2097152 + travellers) AS bigint) AS people,
       COALESCE(SUM((travellers + occupancy - 1) / occupancy), 0) AS vehicles,
       bit_or(CAST(1 AS bigint) << slot) AS meetings
FROM (
    SELECT CAST({class_} AS bigint) * %(key_span)s + h.endpoint_id * 2 + CAST(h.confirmed AS integer) AS key,
           h.attendees, LEAST(h.attendees, {cap}) AS travellers, {occupancy} AS occupancy, {slot} AS slot
    FROM rooms_headcount h
    WHERE h.meeting_id BETWEEN %(first_meeting)s AND %(last_meeting)s
) AS keyed
GROUP BY key
"""
SUMMED = ["key", "people", "vehicles", "meetings"]
PEOPLE_BITS = 21
# A class holds at most this many meetings, so that their slots are bits of a positive bigint.
SLOTS = 63


def dense(ids: np.ndarray, values: np.ndarray, missing: int) -> tuple[int, list[int]]:
    """values by id as a list from the smallest id on (SQL arrays are read by id - first + 1)."""
    if not len(ids):
        return 0, []
    first = int(ids.min())
    array = np.full(int(ids.max()) - first + 1, missing, dtype="int64")
    array[ids - first] = values
    return first, array.tolist()


def applies(group_by: list[str]) -> bool:
    """Whether a report with these keys can be read grouped (PostgreSQL; months, provinces, districts)."""
    return connection.vendor == "postgresql" and set(group_by) <= GROUPABLE


def meeting_classes(
    counted: pd.DataFrame, cost_models: pd.DataFrame, split_at: dt.datetime | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The class (0, 1, ...) of each counted meeting (value_meetings rows) — host, month,
    delegates per site and cost-model epoch, on one side of `split_at`, in parts of at most SLOTS
    meetings — and its slot."""
    changes = np.unique(cost_models["effective_from"].to_numpy(dtype="datetime64[ns]"))
    epoch = np.searchsorted(changes, counted["day"].to_numpy(dtype="datetime64[ns]"), side="right")
    keys = pd.DataFrame(
        {
            "host": counted["host"].to_numpy(),
            "month": counted["month"].to_numpy(),
            "delegates": counted["delegates_per_site"].to_numpy(),
            "epoch": epoch,
            "after": counted["start"].to_numpy() >= pd.Timestamp(split_at) if split_at else False,
        }
    )
    rank = keys.groupby(list(keys.columns), sort=False).cumcount().to_numpy()
    keys["part"] = rank // SLOTS
    classes = keys.groupby(list(keys.columns), sort=False).ngroup().to_numpy(dtype="int64")
    return classes, rank % SLOTS


def class_models(first: pd.DataFrame, codes: list[str], cost_models: pd.DataFrame) -> np.ndarray:
    """(classes × provinces) the cost model valuing a traveller of province `codes[p]` in a
    meeting of the class (its first meeting's row): their own province's model in force on the
    day, else the meeting's (savings_math.choose_cost_models, trips.traveller_models)."""
    asked = pd.DataFrame(
        {
            "day": np.repeat(first["day"].to_numpy(), len(codes)),
            "province_code": pd.Series(np.tile(np.array(codes, dtype="object"), len(first)), dtype="string"),
        }
    )
    chosen = math.choose_cost_models(asked, cost_models).to_numpy(dtype="float64").reshape(len(first), len(codes))
    own = first["model"].to_numpy(dtype="float64")[:, None]
    return np.where(np.isnan(chosen), own, chosen)


def caps(first: pd.DataFrame, models: np.ndarray, cost_models: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(classes × provinces) the delegation that would have travelled (the meeting's delegates per
    site, else the model's default) and the people per vehicle."""
    table = cost_models.set_index("model")
    flat = models.ravel()
    default = table["default_delegates_per_site"].reindex(flat).to_numpy(dtype="float64").reshape(models.shape)
    occupancy = table["vehicle_occupancy"].reindex(flat).to_numpy(dtype="float64").reshape(models.shape)
    invited = first["delegates_per_site"].to_numpy(dtype="float64")[:, None]
    return np.where(invited > 0, invited, default).astype("int64"), occupancy.astype("int64")


def read_sums(
    counted: np.ndarray,
    classes: np.ndarray,
    slots: np.ndarray,
    places: pd.DataFrame,
    cap: np.ndarray,
    occupancy: np.ndarray,
) -> pd.DataFrame:
    """The head counts of the counted meetings (ids, classes, slots) summed by class, endpoint
    and confirmed, with the bits of the meetings each sum covers. places: endpoint and its
    province key. cap, occupancy: (classes × provinces)."""
    first_meeting, class_of = dense(counted, classes, -1)
    first_endpoint, province_of = dense(places["endpoint"].to_numpy(), places["province"].to_numpy(), 0)
    key_span = 2 * (int(places["endpoint"].to_numpy().max(initial=0)) + 1)
    params = {
        "classes": class_of,
        "slots": dense(counted, slots, 0)[1],
        "first_meeting": first_meeting,
        "last_meeting": first_meeting + len(class_of) - 1,
        "key_span": key_span,
    }
    if (cap == cap.flat[0]).all() and (occupancy == occupancy.flat[0]).all():
        params["caps"], params["occupancy"], looked_up = int(cap.flat[0]), int(occupancy.flat[0]), EVERYWHERE
    elif (cap == cap[:, :1]).all() and (occupancy == occupancy[:, :1]).all():
        # By meeting: 0 people and 1 a vehicle for the meetings that are not counted.
        params["caps"] = dense(counted, cap[classes, 0], 0)[1]
        params["occupancy"] = dense(counted, occupancy[classes, 0], 1)[1]
        looked_up = BY_MEETING
    else:
        params["caps"], params["occupancy"] = cap.ravel().tolist(), occupancy.ravel().tolist()
        params.update(province_of=province_of, first_endpoint=first_endpoint, provinces=cap.shape[1])
        looked_up = BY_PROVINCE
    sql = SUMS.format(
        class_=BY_MEETING.format(name="classes"),
        cap=looked_up.format(name="caps"),
        occupancy=looked_up.format(name="occupancy"),
        slot=BY_MEETING.format(name="slots"),
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        sums = packing.packed_frame(sql, params, SUMMED, connection=connection)
    kept = sums["key"].to_numpy() >= 0
    class_id, rest = np.divmod(sums["key"].to_numpy()[kept], key_span)
    endpoint, confirmed = np.divmod(rest, 2)
    attendees, travellers = np.divmod(sums["people"].to_numpy()[kept], 1 << PEOPLE_BITS)
    meetings = sums["meetings"].to_numpy()[kept]
    columns = {
        "class_id": class_id,
        "endpoint_id": endpoint,
        "confirmed": confirmed,
        "attendees": attendees,
        "travellers": travellers,
        "vehicles": sums["vehicles"].to_numpy()[kept],
        "meetings": meetings,
        "weight": np.bitwise_count(meetings).astype("int64"),
    }
    return pd.DataFrame(columns, copy=False)


def reached(
    sums: pd.DataFrame, places: pd.DataFrame, counted: np.ndarray, classes: np.ndarray, slots: np.ndarray
) -> pd.DataFrame:
    """meeting, province, district: each meeting and the provinces and districts of its rooms that
    checked in, from the bits of the sums (places: each sum's province key and district)."""
    district, _ = pd.factorize(places["district"].to_numpy())
    province = places["province"].to_numpy()
    districts = int(district.max(initial=0)) + 1
    key = (sums["class_id"].to_numpy() * (int(province.max(initial=0)) + 1) + province) * districts + district
    order = np.argsort(key, kind="stable")
    firsts = np.flatnonzero(np.r_[True, np.diff(key[order]) != 0]) if len(order) else np.zeros(0, "int64")
    starts = order[firsts]
    bits = np.bitwise_or.reduceat(sums["meetings"].to_numpy()[order], firsts) if len(order) else np.zeros(0, "int64")
    row, slot = np.nonzero((bits[:, None] >> np.arange(SLOTS)) & 1)
    at = starts[row]
    meeting_at = np.zeros((int(classes.max(initial=-1)) + 1) * SLOTS, dtype="int64")
    meeting_at[classes * SLOTS + slots] = counted
    return pd.DataFrame(
        {
            "meeting": meeting_at[sums["class_id"].to_numpy()[at] * SLOTS + slot],
            "province": province[at],
            "district": places["district"].to_numpy()[at],
        }
    )


def compute(
    *,
    start: dt.datetime | None,
    end: dt.datetime | None,
    now: dt.datetime,
    provinces: set[str] | None,
    split_at: dt.datetime | None = None,
) -> "Savings | None":
    """savings.compute's result for meetings held in [start, end), its rows summed by class and
    endpoint (with their `weight`) and its `presence`; with `provinces` (codes), only their
    participants' (None: every province's). With `split_at`, no class straddles that moment, so
    savings.narrow(start=split_at) keeps whole classes. None when no meeting of the period counts."""
    from analytics.savings import Savings  # savings imports this module

    meetings = frames.meetings_frame(frames.held_meetings(start=start, end=end, now=now))
    units, endpoints = frames.units_frame(), frames.endpoints_frame()
    distances = frames.distances_frame(endpoints["endpoint"], endpoints)
    places = math.endpoint_places(endpoints, units, distances, frames.provinces_frame())
    cost_models = frames.cost_models_frame()
    valued = math.value_meetings(meetings, places, cost_models)
    counted = valued[valued["counted"].to_numpy(dtype=bool)].reset_index(drop=True)
    if counted.empty:
        return None  # nothing to sum: the row path answers an empty report as it always has
    classes, slots = meeting_classes(counted, cost_models, split_at)
    _, first_rows = np.unique(classes, return_index=True)
    first = counted.iloc[first_rows].reset_index(drop=True)
    province = participant_provinces(places["endpoint"], places)
    codes = ["", *sorted({code for code in places["province_code"].astype("object").fillna("") if code})]
    models = class_models(first, codes, cost_models)
    cap, occupancy = caps(first, models, cost_models)
    ids = counted["meeting"].to_numpy(dtype="int64")
    sums = read_sums(
        ids, classes, slots, pd.DataFrame({"endpoint": places["endpoint"], "province": province}), cap, occupancy
    )
    class_ids = sums["class_id"].to_numpy()
    attended = pd.DataFrame(
        {
            "meeting": first["meeting"].to_numpy()[class_ids],
            "endpoint": sums["endpoint_id"].to_numpy(),
            **{name: sums[name].to_numpy() for name in ("attendees", "travellers", "vehicles", "weight")},
        }
    )
    savings = math.participation_savings(attended, valued, places, cost_models)
    confirmed = sums["confirmed"].to_numpy() == 1
    savings[verified.COLUMN] = np.where(confirmed, savings["money_vnd"].to_numpy(dtype="float64"), 0.0)
    savings["province"] = participant_provinces(savings["endpoint"], places)
    presence = reached(sums, savings[["province", "district"]], ids, classes, slots)
    class_of = pd.Series(classes, index=ids).reindex(presence["meeting"].to_numpy()).to_numpy()
    presence["month"] = first["month"].to_numpy()[class_of]
    presence["model"] = models[class_of, presence["province"].to_numpy()].astype("int64")
    if provinces is not None:
        keys = [codes.index(code) if code in codes else -1 for code in provinces]
        savings = savings[np.isin(savings["province"].to_numpy(), keys)].reset_index(drop=True)
        presence = presence[np.isin(presence["province"].to_numpy(), keys)].reset_index(drop=True)
    return Savings(
        savings=savings, meetings=valued, units=units, cost_models=cost_models, places=places, presence=presence
    )
