"""The one place that turns QuerySets into pandas DataFrames.

Every report reads the database through these functions: one query per frame with only the
columns it needs (`values_list`), explicit dtypes, times as tz-aware UTC timestamps. Reports of a
million participations stay fast because rows never pass through model instances or Django's
per-value converters: integers come straight from the cursor into numpy, times travel as epoch
seconds and become timestamps in one vectorised step.
"""

import datetime as dt
from collections.abc import Iterable
from itertools import chain
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import FloatField, Func, IntegerField, Q, QuerySet
from django.db.models.functions import Cast, Coalesce
from django.db.models.sql.compiler import SQLCompiler
from django.db.models.sql.constants import MULTI

from analytics import packing
from analytics.models import CostModel, Investment
from analytics.savings_math import MODEL_RATES, WHOLE_RATES
from rooms.models import (
    CheckIn,
    CheckInKind,
    Endpoint,
    HeadCount,
    Level,
    Meeting,
    MeetingStatus,
    Participation,
    ProvinceSettings,
    StatusChange,
    Structure,
    Unit,
)
from rooms.selectors.endpoints import distances_for

if TYPE_CHECKING:
    from django.db.models.sql.compiler import _AsSqlType

# Rows fetched per round trip: large chunks keep the cursor loop out of the profile.
CHUNK_ROWS = 50_000
NUMBER_DTYPES = {"int64", "float64"}


# julianday, not strftime('%s'): a percent sign would be taken for a parameter marker.
SQLITE_EPOCH = "CAST(ROUND((julianday(%(expressions)s) - 2440587.5) * 86400) AS INTEGER)"


class EpochSeconds(Func):
    """A datetime column as integer seconds since 1970 (UTC), so it crosses to Python as an int."""

    output_field = IntegerField()

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> "_AsSqlType":
        return self.as_sql(compiler, connection, template=SQLITE_EPOCH)

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> "_AsSqlType":
        return self.as_sql(compiler, connection, template="CAST(EXTRACT(EPOCH FROM %(expressions)s) AS BIGINT)")


def frame_from(queryset: QuerySet, dtypes: dict[str, str]) -> pd.DataFrame:
    """Run a `values_list` QuerySet once and return its rows as a frame with these column dtypes.

    Its fields must need no Django converter (integers, text, floats, booleans; times through
    EpochSeconds, decimals cast to float): raw cursor values go straight into numpy.
    """
    columns = list(dtypes)
    compiler = queryset.query.get_compiler(using=queryset.db)
    chunks = compiler.execute_sql(MULTI, chunk_size=CHUNK_ROWS)
    rows = list(chain.from_iterable(chunks)) if chunks is not None else []
    if not rows:
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in dtypes.items()})
    if all(dtype in NUMBER_DTYPES for dtype in dtypes.values()):
        # The fast path for big all-number frames: one structured array, no per-column tuples.
        record = np.dtype([(name, np.dtype(dtype)) for name, dtype in dtypes.items()])
        array = np.fromiter(rows, dtype=record, count=len(rows))
        return pd.DataFrame({name: np.ascontiguousarray(array[name]) for name in columns}, copy=False)
    frame = pd.DataFrame.from_records(rows, columns=columns)
    return frame.astype({name: dtype for name, dtype in dtypes.items() if dtype != "object"})


def integer_frame(queryset: QuerySet, columns: list[str]) -> pd.DataFrame:
    """Run a `values_list(*columns)` QuerySet of non-null integer fields: int64 columns by those names.

    The database packs each column into one value (JOINED) and numpy reads it: one row crosses the
    driver instead of one Python object per record. The aggregates of one SELECT read the same rows
    in the same pass, so the columns line up; count(*) checks that each one was read whole.
    """
    connection = connections[queryset.db]
    if connection.vendor not in packing.JOINED:
        return frame_from(queryset, dict.fromkeys(columns, "int64"))
    inner, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    return packing.packed_frame(inner, params, columns, connection=connection)


def to_timestamps(seconds: pd.Series) -> pd.Series:
    return pd.to_datetime(seconds, unit="s", utc=True)


def held_meetings(*, start: dt.datetime | None, end: dt.datetime | None, now: dt.datetime) -> QuerySet[Meeting]:
    """Meetings held by `now` (not cancelled, already over) that started in [start, end)."""
    meetings = Meeting.objects.filter(status=MeetingStatus.SCHEDULED, end__lte=now)
    if start is not None:
        meetings = meetings.filter(start__gte=start)
    if end is not None:
        meetings = meetings.filter(start__lt=end)
    return meetings


def meetings_frame(meetings: QuerySet[Meeting]) -> pd.DataFrame:
    """meeting, host, start, end (UTC timestamps), delegates_per_site (0 when the meeting leaves it
    to the cost model)."""
    fields = ["id", "host_id", "start_seconds", "end_seconds", "delegates"]
    rows = meetings.order_by().annotate(
        start_seconds=EpochSeconds("start"),
        end_seconds=EpochSeconds("end"),
        delegates=Coalesce("delegates_per_site", 0),
    )
    frame = integer_frame(rows.values_list(*fields), fields).set_axis(
        ["meeting", "host", "start", "end", "delegates_per_site"], axis=1
    )
    frame["start"] = to_timestamps(frame["start"])
    frame["end"] = to_timestamps(frame["end"])
    return frame


def meeting_titles(meeting_ids: Iterable[int]) -> pd.DataFrame:
    """meeting, title, imported: for the few rows a per-meeting report shows."""
    return frame_from(
        Meeting.objects.filter(pk__in=list(meeting_ids)).order_by().values_list("id", "title", "imported"),
        {"meeting": "int64", "title": "string", "imported": "bool"},
    )


def head_counts_frame(meetings: QuerySet[Meeting], *, confirmed: bool = False) -> pd.DataFrame:
    """meeting, endpoint, attendees: one row per endpoint that checked in to these meetings, with
    the head count of its latest "in" record. HeadCount holds exactly that (the database keeps
    it on every check-in), so a million participations are read from one covering index rather
    than by sorting every check-in. With `confirmed`, also `confirmed` (1 when the bridge has a
    leg of that room in that booking; the database keeps that too)."""
    counts = HeadCount.objects.filter(meeting__in=meetings.order_by().values("pk")).order_by()
    fields = ["meeting_id", "endpoint_id", "attendees"]
    names = ["meeting", "endpoint", "attendees"]
    if confirmed:
        counts = counts.annotate(bridge_confirmed=Cast("confirmed", IntegerField()))
        fields, names = [*fields, "bridge_confirmed"], [*names, "confirmed"]
    frame = integer_frame(counts.values_list(*fields), fields)
    return frame.set_axis(names, axis=1)


def participations_frame(meetings: QuerySet[Meeting], *, active_only: bool = False) -> pd.DataFrame:
    """meeting, endpoint, is_host for the booked endpoints of these meetings."""
    participations = Participation.objects.filter(meeting__in=meetings.order_by().values("pk"))
    if active_only:
        participations = participations.filter(active=True)
    return frame_from(
        participations.order_by("meeting_id", "endpoint_id").values_list("meeting_id", "endpoint_id", "is_host"),
        {"meeting": "int64", "endpoint": "int64", "is_host": "bool"},
    )


def checkins_frame(meetings: QuerySet[Meeting]) -> pd.DataFrame:
    """id, meeting, endpoint, kind, attendees (<NA> for none), at: the in and out records of these
    meetings. EpochSeconds drops sub-second precision, which no attendance figure uses."""
    checkins = frame_from(
        CheckIn.objects.filter(meeting__in=meetings.order_by().values("pk"), kind__in=[CheckInKind.IN, CheckInKind.OUT])
        .order_by("meeting_id", "endpoint_id", "at", "id")
        .values_list("id", "meeting_id", "endpoint_id", "kind", Coalesce("attendees", -1), EpochSeconds("at")),
        {"id": "int64", "meeting": "int64", "endpoint": "int64", "kind": "string", "attendees": "int64", "at": "int64"},
    )
    checkins["at"] = to_timestamps(checkins["at"])
    checkins["attendees"] = checkins["attendees"].astype("Int64").where(checkins["attendees"] >= 0)
    return checkins


def units_frame() -> pd.DataFrame:
    """unit, code, name, level, structure, parent (0 for none), difficult, island, lat, lon (NaN if unknown)."""
    return frame_from(
        Unit.objects.order_by().values_list(
            "id",
            "code",
            "name",
            "level",
            "structure",
            Coalesce("parent_id", 0),
            "especially_difficult",
            "island",
            "lat",
            "lon",
        ),
        {
            "unit": "int64",
            "code": "string",
            "name": "string",
            "level": "string",
            "structure": "string",
            "parent": "int64",
            "difficult": "bool",
            "island": "bool",
            "lat": "float64",
            "lon": "float64",
        },
    )


def endpoints_frame(endpoint_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """endpoint, name, unit, legacy_unit (0 for none), road_km (NaN when nobody entered it),
    travel_mode (road|boat|air), fare_vnd (one way per person, NaN for road)."""
    endpoints = Endpoint.objects.order_by()
    if endpoint_ids is not None:
        endpoints = endpoints.filter(pk__in=list(endpoint_ids))
    frame = frame_from(
        endpoints.values_list(
            "id",
            "name",
            "unit_id",
            Coalesce("legacy_unit_id", 0),
            Cast("road_km", output_field=FloatField()),
            "travel_mode",
            Cast("fare_vnd", output_field=FloatField()),
        ),
        {
            "endpoint": "int64",
            "name": "string",
            "unit": "int64",
            "legacy_unit": "int64",
            "road_km": "object",
            "travel_mode": "string",
            "fare_vnd": "object",
        },
    )
    for column in ("road_km", "fare_vnd"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame


def provinces_frame() -> pd.DataFrame:
    """province_code, host (endpoint id, 0 for none), circuity_factor: where each province's rooms
    would otherwise meet, and how much longer its roads are than the straight line."""
    return frame_from(
        ProvinceSettings.objects.order_by().values_list(
            "province_code", Coalesce("host_id", 0), Cast("circuity_factor", output_field=FloatField())
        ),
        {"province_code": "string", "host": "int64", "circuity_factor": "float64"},
    )


def distances_frame(endpoint_ids: Iterable[int], endpoints: pd.DataFrame) -> pd.DataFrame:
    """endpoint, distance_km (NaN when unknown), estimated: the one-way road distance to the host.

    An entered road distance is authoritative and read from `endpoints` (endpoints_frame); the
    others are estimated by the Rollout selector `distances_for` from coordinates.
    """
    ids = pd.Index(np.asarray(list(endpoint_ids), dtype="int64")).unique()
    entered = endpoints.set_index("endpoint")["road_km"].reindex(ids)
    distance = entered.to_numpy(dtype="float64").copy()
    estimated = np.zeros(len(ids), dtype=bool)
    missing = np.flatnonzero(np.isnan(distance))
    if len(missing):
        found = distances_for(ids[missing].tolist())
        for position, endpoint in zip(missing, ids[missing], strict=True):
            km, is_estimate = found.get(int(endpoint), (None, False))
            if km is not None:
                distance[position], estimated[position] = float(km), bool(is_estimate)
    return pd.DataFrame(
        {"endpoint": ids.to_numpy(dtype="int64"), "distance_km": distance, "estimated": estimated}, copy=False
    )


def cost_models_frame(cost_models: QuerySet[CostModel] | None = None) -> pd.DataFrame:
    """Every cost model with its rates as floats (VND amounts are whole numbers)."""
    cost_models = cost_models if cost_models is not None else CostModel.objects.all()
    rates = [name for name in MODEL_RATES if name not in WHOLE_RATES]
    frame = frame_from(
        cost_models.order_by("province_code", "effective_from").values_list(
            "id",
            "province_code",
            "effective_from",
            "source",
            *[Cast(name, output_field=FloatField()) for name in rates],
            *WHOLE_RATES,
        ),
        {
            "model": "int64",
            "province_code": "string",
            "effective_from": "object",
            "source": "string",
            **dict.fromkeys(rates, "float64"),
            **dict.fromkeys(WHOLE_RATES, "int64"),
        },
    )
    # SQLite hands dates back as text, PostgreSQL as dates: one type for both.
    frame["effective_from"] = pd.to_datetime(frame["effective_from"].astype("string")).astype("datetime64[ns]")
    return frame


def investments_frame(province_code: str | None = None) -> pd.DataFrame:
    """date, amount_vnd, province_code, description."""
    investments = Investment.objects.order_by("date", "id")
    if province_code:
        investments = investments.filter(Q(province_code=province_code))
    frame = frame_from(
        investments.values_list("date", Cast("amount_vnd", output_field=FloatField()), "province_code", "description"),
        {"date": "object", "amount_vnd": "float64", "province_code": "string", "description": "string"},
    )
    frame["date"] = pd.to_datetime(frame["date"].astype("string")).astype("datetime64[ns]")
    return frame


# --- coverage: communes, which endpoint covers which, status histories ---------------------------


def communes_frame(communes: QuerySet[Unit]) -> pd.DataFrame:
    """unit, code, name, district (unit id, 0 on the current tree), district_code, district_name."""
    frame = frame_from(
        communes.order_by().values_list(
            "id", "code", "name", "parent_id", "parent__code", "parent__name", "parent__level"
        ),
        {
            "unit": "int64",
            "code": "object",
            "name": "object",
            "district": "int64",
            "district_code": "object",
            "district_name": "object",
            "parent_level": "object",
        },
    )
    on_province = frame["parent_level"] == Level.PROVINCE
    frame.loc[on_province, "district"] = 0
    frame.loc[on_province, ["district_code", "district_name"]] = None
    return frame.drop(columns="parent_level").sort_values(["district_code", "code"], na_position="first")


def coverage_links(communes: QuerySet[Unit], structure: str) -> pd.DataFrame:
    """endpoint, unit: which commune each endpoint covers (two rows if it covers two)."""
    links = [("unit", "unit_id")]
    if structure == Structure.LEGACY:
        links.append(("legacy_unit", "legacy_unit_id"))
    parts = [
        frame_from(
            Endpoint.objects.filter(**{f"{field}__in": communes.values("pk")}).order_by().values_list("id", column),
            {"endpoint": "int64", "unit": "int64"},
        )
        for field, column in links
    ]
    if structure == Structure.LEGACY:
        # A current room serves every legacy commune its commune absorbed: each one counts.
        served = Endpoint.legacy_units.through.objects.filter(unit__in=communes.values("pk"))
        parts.append(
            frame_from(served.order_by().values_list("endpoint_id", "unit_id"), {"endpoint": "int64", "unit": "int64"})
        )
    return pd.concat(parts, ignore_index=True).drop_duplicates()


def status_history_frame(endpoints: QuerySet[Endpoint]) -> pd.DataFrame:
    """endpoint, status, effective, seq: every status change of these endpoints. An endpoint
    stored without history counts from its stored status and status_since."""
    changes = frame_from(
        StatusChange.objects.filter(endpoint__in=endpoints.values("pk"))
        .order_by()
        .values_list("endpoint_id", "status", EpochSeconds("effective"), "id"),
        {"endpoint": "int64", "status": "object", "effective": "int64", "seq": "int64"},
    )
    stored = frame_from(
        endpoints.filter(status_since__isnull=False)
        .order_by()
        .values_list("id", "status", EpochSeconds("status_since")),
        {"endpoint": "int64", "status": "object", "effective": "int64"},
    )
    bare = stored[~stored["endpoint"].isin(changes["endpoint"])].assign(seq=0)
    frame = pd.concat([changes, bare], ignore_index=True)
    frame["effective"] = pd.to_datetime(frame["effective"], unit="s")
    return frame


def endpoints_checked_in(endpoints: QuerySet[Endpoint], *, start: dt.datetime, end: dt.datetime) -> set[int]:
    """The endpoints among these with an "in" check-in in [start, end)."""
    checkins = CheckIn.objects.filter(
        kind=CheckInKind.IN, at__gte=start, at__lt=end, endpoint__in=endpoints.values("pk")
    )
    return set(checkins.order_by().values_list("endpoint_id", flat=True).distinct())
