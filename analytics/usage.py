"""The usage report: how the network is used, from the meetings held and their check-ins.

`GET /api/reports/usage/?start=&end=&group_by=month|district|endpoint&format=json|csv|xlsx` and
`manage.py report usage` call `build_report` (analytics.serializers.UsageQuerySerializer reads the
query). `usage_frames` gathers the frames analytics.frames reads; the rest are pandas functions
over frames, tested on tiny hand-built ones.
Each participation's figures come from the same derivation as the live board and the attendance
API (rooms.selectors.attendance.derive_attendance), so the numbers agree everywhere.

Only held meetings count: not cancelled, over by now, started in [start, end). Per row:
  meetings         held meetings with at least one participation in the group
  hours            = scheduled_hours: their booked duration (end - start)
  actual_hours     while the host was connected (without a host check-in: first to last endpoint)
  endpoint_hours   sum of every participation's minutes connected / 60
  participations   booked endpoints (the host too); attended: those with a check-in
  attendance_rate  attended / participations (0 to 1)
  no_shows, late   participations without a check-in; first check-in after start + grace
  ghost_meetings   meetings where no endpoint but the host checked in
"district" is the endpoint's legacy district: its own district on the legacy tree, or its
`legacy_unit`'s district for a current-tree endpoint; none for the province level. "province" is
the province of the participating endpoint (analytics/provinces.py), and so is `province=<code>`.
Several keys combine (`group_by=province,month`).
"""

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import frames, months, verified
from analytics.exports import GROUP_LABELS, GROUP_SLUGS, Report, period_stem
from analytics.provinces import participant_provinces, province_key, province_labels
from analytics.savings_math import unit_places
from analytics.scope import visible_endpoints
from rooms.permissions import User
from rooms.selectors.attendance import CheckInRow, derive_attendance
from vconf import clock

GROUPS = ["month", "province", "district", "endpoint"]
MEASURES = [
    "meetings",
    "hours",
    "scheduled_hours",
    "actual_hours",
    "endpoint_hours",
    "participations",
    "attended",
    "attendance_rate",
    "no_shows",
    "late",
    "ghost_meetings",
]
INT_MEASURES = ["meetings", "participations", "attended", "no_shows", "late", "ghost_meetings"]
LABELS = {
    **GROUP_LABELS,
    "hours": gettext_lazy("Số giờ họp"),
    "scheduled_hours": gettext_lazy("Giờ theo lịch"),
    "actual_hours": gettext_lazy("Giờ thực tế"),
    "endpoint_hours": gettext_lazy("Giờ kết nối của các điểm cầu"),
    "participations": gettext_lazy("Lượt điểm cầu được mời"),
    "attended": gettext_lazy("Lượt điểm cầu tham dự"),
    "attendance_rate": gettext_lazy("Tỉ lệ tham dự"),
    "no_shows": gettext_lazy("Lượt vắng mặt"),
    "late": gettext_lazy("Lượt vào trễ"),
    "ghost_meetings": gettext_lazy("Cuộc họp chỉ có điểm chủ trì"),
}


@dataclass
class UsageFrames:
    meetings: pd.DataFrame  # meeting, host, start, end
    participations: pd.DataFrame  # meeting, endpoint, is_host
    checkins: pd.DataFrame  # id, meeting, endpoint, kind, attendees, at (in and out records only)
    places: pd.DataFrame  # endpoint, endpoint_name, province_code, district, district_code, district_name
    units: pd.DataFrame | None = None  # frames.units_frame, for the provinces' names


def usage_frames(*, start: dt.datetime | None, end: dt.datetime, now: dt.datetime) -> UsageFrames:
    held = frames.held_meetings(start=start, end=end, now=now)
    units = frames.units_frame()
    return UsageFrames(
        meetings=frames.meetings_frame(held),
        participations=frames.participations_frame(held, active_only=True),
        checkins=frames.checkins_frame(held),
        places=endpoint_districts(frames.endpoints_frame(), units),
        units=units,
    )


# --- pandas functions over frames --------------------------------------------------------------


def endpoint_districts(endpoints: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """endpoint, endpoint_name, province_code, district (unit id, 0 for none), district_code, district_name."""
    places = unit_places(units).set_index("unit")
    own = places.reindex(endpoints["unit"])
    legacy = places.reindex(endpoints["legacy_unit"])
    own_district = own["district"].fillna(0).to_numpy(dtype="int64")
    district = np.where(own_district != 0, own_district, legacy["district"].fillna(0).to_numpy(dtype="int64"))
    by_id = units.set_index("unit")
    return pd.DataFrame(
        {
            "endpoint": endpoints["endpoint"].to_numpy(dtype="int64"),
            "endpoint_name": endpoints["name"].astype("object").to_numpy(),
            "province_code": own["province_code"].astype("object").fillna("").to_numpy(),
            "district": district.astype("int64"),
            "district_code": by_id["code"].astype("object").reindex(district).where(district != 0, None).to_numpy(),
            "district_name": by_id["name"].astype("object").reindex(district).where(district != 0, None).to_numpy(),
        }
    )


def participation_facts(
    meetings: pd.DataFrame,
    participations: pd.DataFrame,
    checkins: pd.DataFrame,
    *,
    now: dt.datetime,
    grace: dt.timedelta,
) -> pd.DataFrame:
    """One row per participation: meeting, endpoint, is_host, attended, late, no_show,
    minutes_connected, connected_from, connected_until (NaT when it never was)."""
    # Plain Python datetimes: their arithmetic is several times faster than pandas Timestamps',
    # and derive_attendance runs once per participation.
    times = dict(
        zip(
            meetings["meeting"].tolist(),
            zip(_datetimes(meetings["start"]), _datetimes(meetings["end"]), strict=True),
            strict=True,
        )
    )
    records: dict[tuple[int, int], list[CheckInRow]] = {}
    columns = zip(
        checkins["id"].tolist(),
        checkins["meeting"].tolist(),
        checkins["endpoint"].tolist(),
        checkins["kind"].tolist(),
        _datetimes(checkins["at"]),
        checkins["attendees"].astype("object").where(checkins["attendees"].notna(), None).tolist(),
        strict=True,
    )
    for pk, meeting, endpoint, kind, at, attendees in columns:
        records.setdefault((meeting, endpoint), []).append(CheckInRow(pk, endpoint, kind, at, attendees, "", ""))
    rows = []
    for meeting, endpoint in zip(participations["meeting"].tolist(), participations["endpoint"].tolist(), strict=True):
        start, end = times[meeting]
        d = derive_attendance(records.get((meeting, endpoint), ()), start=start, end=end, now=now, grace_period=grace)
        rows.append(
            (
                d.attended,
                d.late,
                d.minutes_connected,
                d.connected_from.timestamp() if d.connected_from else np.nan,
                d.connected_until.timestamp() if d.connected_until else np.nan,
            )
        )
    attended, late, minutes, since, until = (list(column) for column in zip(*rows, strict=True)) if rows else ([],) * 5
    return pd.DataFrame(
        {
            "meeting": participations["meeting"].to_numpy(dtype="int64"),
            "endpoint": participations["endpoint"].to_numpy(dtype="int64"),
            "is_host": participations["is_host"].to_numpy(dtype="bool"),
            "attended": np.array(attended, dtype="bool"),
            "late": np.array(late, dtype="bool"),
            "no_show": ~np.array(attended, dtype="bool"),
            "minutes_connected": np.array(minutes, dtype="int64"),
            "connected_from": _timestamps(since),
            "connected_until": _timestamps(until),
        }
    )


def _datetimes(column: pd.Series) -> list[dt.datetime]:
    return list(column.dt.tz_convert("UTC").array.to_pydatetime())


def _timestamps(seconds: list[float]) -> pd.Series:
    # Whole microseconds: float seconds since 1970 carry about that much precision.
    values = pd.to_datetime(np.array(seconds, dtype="float64") * 1e6, unit="us", utc=True).round("us")
    return pd.Series(values, dtype="datetime64[ns, UTC]")


def meeting_facts(meetings: pd.DataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    """meeting, month (YYYYMM of the local start), scheduled_hours, actual_hours, ghost.

    The meeting actually ran while its host was connected (the host opens and closes it); without
    a host check-in, from the first endpoint connected to the last one leaving."""
    span = facts.groupby("meeting").agg(first=("connected_from", "min"), last=("connected_until", "max"))
    span_hours = (span["last"] - span["first"]).dt.total_seconds().reindex(meetings["meeting"]) / 3600
    hosts = facts[facts["is_host"]].drop_duplicates("meeting").set_index("meeting")
    host_hours = (hosts["connected_until"] - hosts["connected_from"]).dt.total_seconds().reindex(meetings["meeting"])
    actual = (host_hours / 3600).fillna(span_hours).fillna(0).to_numpy(dtype="float64")
    guests = (
        facts[~facts["is_host"]].groupby("meeting")["attended"].any().reindex(meetings["meeting"], fill_value=False)
    )
    return pd.DataFrame(
        {
            "meeting": meetings["meeting"].to_numpy(dtype="int64"),
            "month": months.months_of(meetings["start"]).to_numpy(),
            "scheduled_hours": (meetings["end"] - meetings["start"]).dt.total_seconds().to_numpy() / 3600,
            "actual_hours": actual.astype("float64"),
            "ghost": ~guests.to_numpy(dtype="bool"),
        }
    )


def usage_by(facts: pd.DataFrame, per_meeting: pd.DataFrame, key: str | list[str]) -> pd.DataFrame:
    """Roll facts up by `key` (one column of `facts` or several): keys, then MEASURES, sorted by them."""
    keys = [key] if isinstance(key, str) else list(key)
    groups = facts.groupby(keys, sort=True, dropna=False)
    rows = pd.DataFrame(
        {
            "participations": groups.size().astype("int64"),
            "attended": groups["attended"].sum().astype("int64"),
            "no_shows": groups["no_show"].sum().astype("int64"),
            "late": groups["late"].sum().astype("int64"),
            "endpoint_hours": groups["minutes_connected"].sum().astype("float64") / 60,
        }
    )
    per_meeting = per_meeting[["meeting", "scheduled_hours", "actual_hours", "ghost"]]
    pairs = facts[[*keys, "meeting"]].drop_duplicates().merge(per_meeting, on="meeting", how="left")
    meeting_groups = pairs.groupby(keys, sort=True, dropna=False)
    rows["meetings"] = meeting_groups.size().astype("int64")
    rows["scheduled_hours"] = meeting_groups["scheduled_hours"].sum().astype("float64")
    rows["actual_hours"] = meeting_groups["actual_hours"].sum().astype("float64")
    rows["ghost_meetings"] = meeting_groups["ghost"].sum().astype("int64")
    rows["hours"] = rows["scheduled_hours"]
    rows["attendance_rate"] = (rows["attended"] / rows["participations"]).astype("float64")
    return rounded(rows.reset_index()[[*keys, *MEASURES]])


def rounded(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.copy()
    for column in ["hours", "scheduled_hours", "actual_hours", "endpoint_hours"]:
        rows[column] = rows[column].round(2)
    rows["attendance_rate"] = rows["attendance_rate"].round(4)
    return rows


def usage_totals(facts: pd.DataFrame, per_meeting: pd.DataFrame) -> dict:
    """The whole period in one line (a meeting over many districts counts once)."""
    everything = usage_by(facts.assign(all=0), per_meeting, "all")
    if everything.empty:
        return {name: 0 if name in INT_MEASURES else 0.0 for name in MEASURES}
    row = everything.iloc[0]
    return {name: int(row[name]) if name in INT_MEASURES else float(row[name]) for name in MEASURES}


# --- the report ---------------------------------------------------------------------------------


def labelled(
    rows: pd.DataFrame, places: pd.DataFrame, group_by: str | list[str], units: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The rolled-up rows with their keys made readable, keys first, then MEASURES."""
    keys = [group_by] if isinstance(group_by, str) else group_by
    columns: list[str] = []
    for key in keys:
        if key == "month":
            rows = rows.assign(month=months.labels(rows["month"]))
            columns.append("month")
        elif key == "province":
            codes, names = province_labels(
                rows["province"], places, units if units is not None else frames.units_frame()
            )
            rows = rows.assign(province=codes, province_name=names)
            columns += ["province", "province_name"]
        elif key == "district":
            named = places.drop_duplicates("district").set_index("district")
            ids = rows["district"].to_numpy()
            rows = rows.assign(
                district=named["district_code"].reindex(ids).to_numpy(),
                district_name=named["district_name"].reindex(ids).where(ids != 0, _("Cấp tỉnh / khác")).to_numpy(),
            )
            columns += ["district", "district_name"]
        else:
            names = places.set_index("endpoint")["endpoint_name"]
            rows = rows.assign(endpoint_name=names.reindex(rows["endpoint"]).to_numpy())
            columns += ["endpoint", "endpoint_name"]
    return rows[[*columns, *MEASURES]]


def keyed_facts(facts: pd.DataFrame, per_meeting: pd.DataFrame, places: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The facts with a column per group key (month, province, district; endpoint is one already)."""
    extra: dict[str, np.ndarray] = {}
    if "month" in keys:
        extra["month"] = facts["meeting"].map(per_meeting.set_index("meeting")["month"]).to_numpy(dtype="int64")
    if "province" in keys:
        extra["province"] = participant_provinces(facts["endpoint"], places)
    if "district" in keys:
        districts = facts["endpoint"].map(places.set_index("endpoint")["district"])
        extra["district"] = districts.fillna(0).to_numpy(dtype="int64")
    return facts.assign(**extra) if extra else facts


def build_report(
    *,
    start: dt.datetime | None,
    end: dt.datetime,
    group_by: str | list[str],
    user: User | None,
    province: str | None = None,
) -> Report:
    keys = [group_by] if isinstance(group_by, str) else list(group_by)
    now = clock.now()
    data = usage_frames(start=start, end=end, now=now)
    grace = dt.timedelta(minutes=settings.VCONF["CHECKIN_GRACE_MINUTES"])
    facts = participation_facts(data.meetings, data.participations, data.checkins, now=now, grace=grace)
    # Ghosts and actual durations are facts of the whole meeting, before narrowing to a scope.
    per_meeting = meeting_facts(data.meetings, facts)
    scope = visible_endpoints(user, data.places)
    if scope is not None:
        facts = facts[facts["endpoint"].isin(scope)]
    if province:
        mine = participant_provinces(facts["endpoint"], data.places) == province_key(province, data.places)
        facts = facts[mine]
    facts = keyed_facts(facts, per_meeting, data.places, keys)
    rows = usage_by(facts, per_meeting, keys)
    if keys == ["month"]:
        last = months.month_of(end - dt.timedelta(seconds=1))
        # Without a start and without meetings, the month of the end still shows (as zeros).
        first = months.month_of(start) if start else (None if len(rows) else last)
        rows = months.fill(rows, first, last)
    rows = labelled(rows, data.places, keys, data.units)
    totals = usage_totals(facts, per_meeting)
    body = {
        "start": timezone.localtime(start).isoformat() if start else None,
        "end": timezone.localtime(end).isoformat(),
        "group_by": ",".join(keys),
        "province": province,
        "rows": rows.astype("object").where(rows.notna(), None).to_dict("records"),
        "totals": totals,
        # What the bridges' call records confirm, and each operator's discrepancy rate.
        "verification": verified.usage_verification(facts, start=start, end=end, now=now),
    }
    grouping = "-".join(GROUP_SLUGS[key] for key in keys)
    return Report(
        name=_("Sử dụng"),
        stem=f"su-dung-theo-{grouping}-{period_stem(start, end)}",
        body=body,
        rows=rows,
        labels=LABELS,
        sheets={_("Tổng cộng"): pd.DataFrame([totals])},
    )
