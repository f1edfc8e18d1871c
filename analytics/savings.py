"""The savings report: what the network saved in money, hours, kilometres and CO2.

`build_report(params, user)` answers `GET /api/reports/savings/` and `manage.py report savings`;
`meeting_breakdown(meeting)` shows one meeting with every input so a leader can recompute it.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, SupportsFloat

import numpy as np
import pandas as pd
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import frames, reports
from analytics.exports import Report
from rooms.models import Level, Meeting, MeetingStatus, Unit
from rooms.permissions import User, home_unit, is_administrator
from rooms.selectors.units import endpoints_under_units
from vconf import clock
from vconf.fields import query_datetime

GROUPS = ["month", "district", "endpoint", "meeting"]

LABELS = {
    "month": gettext_lazy("Tháng"),
    "district": gettext_lazy("Mã huyện"),
    "district_name": gettext_lazy("Huyện"),
    "endpoint": gettext_lazy("Mã điểm cầu"),
    "endpoint_name": gettext_lazy("Điểm cầu"),
    "meeting": gettext_lazy("Mã cuộc họp"),
    "title": gettext_lazy("Cuộc họp"),
    "start": gettext_lazy("Bắt đầu"),
    "meetings": gettext_lazy("Số cuộc họp"),
    "participations": gettext_lazy("Lượt điểm cầu tham dự"),
    "attendees": gettext_lazy("Số người dự"),
    "person_km": gettext_lazy("Người·km không phải đi"),
    "person_hours": gettext_lazy("Giờ đi đường tiết kiệm"),
    "money_vnd": gettext_lazy("Chi phí tiết kiệm (đồng)"),
    "co2_kg": gettext_lazy("CO2 giảm (kg)"),
}


@dataclass
class Period:
    start: dt.datetime | None
    end: dt.datetime


@dataclass
class Savings:
    """Everything one savings computation produced, for the report, the dashboard and payback."""

    savings: pd.DataFrame  # participation_savings rows
    meetings: pd.DataFrame  # value_meetings rows
    units: pd.DataFrame
    cost_models: pd.DataFrame
    places: pd.DataFrame  # endpoint_places rows


def read_period(params: Mapping[str, str], now: dt.datetime) -> Period:
    """`start` and `end` as ISO dates or datetimes; a plain `end` date includes that whole day.
    Without `start` the report runs from the first meeting; without `end`, up to now."""
    start = query_datetime(params, "start")
    end = query_datetime(params, "end")
    if end is not None and len(str(params.get("end", ""))) == 10:
        end += dt.timedelta(days=1)
    end = end or now
    if start is not None and start >= end:
        raise ValidationError({"end": [_("Ngày kết thúc phải sau ngày bắt đầu.")]})
    return Period(start=start, end=end)


def read_group_by(params: Mapping[str, str]) -> list[str]:
    raw = params.get("group_by") or "month"
    keys = [key.strip() for key in str(raw).split(",") if key.strip()]
    if not keys or any(key not in GROUPS for key in keys) or len(set(keys)) != len(keys):
        raise ValidationError({"group_by": [_("Chọn một hoặc nhiều trong: %s") % ", ".join(GROUPS)]})
    return keys


def read_unit_code(params: Mapping[str, str], name: str, level: str) -> str | None:
    code = (params.get(name) or "").strip()
    if not code:
        return None
    if len(code) > 10 or not Unit.objects.filter(code=code, level=level).exists():
        raise ValidationError({name: [_("Không có đơn vị mã %s.") % code[:10]]})
    return code


def compute(
    *, start: dt.datetime | None, end: dt.datetime | None, now: dt.datetime, province: str | None = None
) -> Savings:
    """Savings of every attended participation in meetings held in [start, end), hosted in the
    province if one is given."""
    held = frames.held_meetings(start=start, end=end, now=now)
    meetings = frames.meetings_frame(held)
    attended = frames.head_counts_frame(held)
    units = frames.units_frame()
    endpoints = frames.endpoints_frame()
    wanted = np.union1d(attended["endpoint"].unique(), meetings["host"].unique())
    places = reports.endpoint_places(endpoints, units, frames.distances_frame(wanted, endpoints))
    cost_models = frames.cost_models_frame()
    valued = reports.value_meetings(meetings, places, cost_models)
    if province:
        valued = valued[valued["province_code"] == province]
    savings = reports.participation_savings(attended, valued, places)
    return Savings(savings=savings, meetings=valued, units=units, cost_models=cost_models, places=places)


def narrow(
    computed: Savings, *, start: dt.datetime | None = None, district: str | None = None, user: User | None = None
) -> Savings:
    """The part of a computation a page shows: from `start`, in one district, within the user's scope."""
    savings, units = computed.savings, computed.units
    keep = np.ones(len(savings), dtype=bool)
    if start is not None:
        meetings = computed.meetings
        later = meetings.loc[meetings["start"] >= pd.Timestamp(start), "meeting"]
        keep &= savings["meeting"].isin(later).to_numpy()
    if district:
        ids = units.loc[(units["level"] == Level.DISTRICT) & (units["code"] == district), "unit"]
        keep &= savings["district"].isin(ids).to_numpy()
    scope = scope_of(user, computed.places)
    if scope is not None:
        keep &= savings["endpoint"].isin(scope).to_numpy()
    if keep.all():
        return computed
    return replace(computed, savings=savings[keep].reset_index(drop=True))


def scope_of(user: User | None, places: pd.DataFrame) -> np.ndarray | None:
    """The endpoints whose savings this user may see; None for all. A province-level user sees
    the province on both trees (history and today); a district or commune user, their subtree."""
    if user is None or is_administrator(user):
        return None
    unit = home_unit(user)
    if unit is None:
        return None
    if unit.level == Level.PROVINCE:
        return places.loc[places["province_code"] == unit.code, "endpoint"].to_numpy()
    return np.fromiter(endpoints_under_units([unit]).values_list("pk", flat=True), dtype="int64")


def labelled_rows(computed: Savings, by: list[str]) -> pd.DataFrame:
    """The roll-up with its keys made readable: "2025-03", district codes and names, titles."""
    rows = reports.roll_up(computed.savings, by)
    units = computed.units.set_index("unit")
    columns: list[str] = []
    for key in by:
        if key == "month":
            rows["month"] = reports.month_labels(rows["month"])
            columns.append("month")
        elif key == "district":
            ids = rows["district"].to_numpy()
            names = units["name"].astype("object").reindex(ids).to_numpy()
            codes = units["code"].astype("object").reindex(ids).to_numpy()
            rows["district_name"] = np.where(ids != 0, names, _("Cấp tỉnh / khác"))
            rows["district"] = np.where(ids != 0, codes, None)
            columns += ["district", "district_name"]
        elif key == "endpoint":
            names = frames.endpoints_frame(rows["endpoint"].unique()).set_index("endpoint")["name"]
            rows["endpoint_name"] = names.reindex(rows["endpoint"]).astype("object").to_numpy()
            columns += ["endpoint", "endpoint_name"]
        else:
            meta = frames.meeting_titles(rows["meeting"].unique()).set_index("meeting")
            starts = computed.meetings.set_index("meeting")["start"].reindex(rows["meeting"])
            rows["title"] = meta["title"].reindex(rows["meeting"]).astype("object").to_numpy()
            local = starts.dt.tz_convert(reports.LOCAL_TZ).dt.strftime("%Y-%m-%dT%H:%M:%S%z")
            rows["start"] = (local.str[:-2] + ":" + local.str[-2:]).to_numpy()  # ISO 8601: +07:00
            columns += ["meeting", "title", "start"]
    return rows[[*columns, *reports.MEASURES]]


def cost_models_used(computed: Savings) -> list[dict]:
    """Each cost model that valued at least one counted participation, with how much it valued."""
    used = computed.savings.groupby("model").agg(
        meetings=("meeting", "nunique"), participations=("meeting", "size"), money_vnd=("money_vnd", "sum")
    )
    models = computed.cost_models.set_index("model")
    from analytics.models import CostModel

    notes = dict(CostModel.objects.filter(pk__in=used.index.tolist()).values_list("pk", "notes"))
    result = []
    for model_id, row in used.iterrows():
        model = models.loc[model_id]
        result.append(
            {
                "id": int(model_id),
                "province_code": model["province_code"] or None,
                "effective_from": model["effective_from"].date().isoformat(),
                "source": model["source"],
                "notes": notes.get(int(model_id), ""),
                **{name: _plain(model[name]) for name in reports.MODEL_RATES},
                "meetings": int(row["meetings"]),
                "participations": int(row["participations"]),
                "money_vnd": round(float(row["money_vnd"])),
            }
        )
    return result


def _plain(value: SupportsFloat) -> int | float:
    number = float(value)
    return int(number) if number.is_integer() else number


def build_report(params: Mapping[str, str], user: User | None) -> Report:
    now = clock.now()
    period = read_period(params, now)
    by = read_group_by(params)
    district = read_unit_code(params, "district", Level.DISTRICT)
    province = read_unit_code(params, "province", Level.PROVINCE)
    computed = narrow(
        compute(start=period.start, end=period.end, now=now, province=province), district=district, user=user
    )
    rows = labelled_rows(computed, by)
    if by == ["month"]:
        first = _month_of(period.start) if period.start else None
        rows = fill_month_labels(rows, first, _month_of(period.end - dt.timedelta(seconds=1)))
    totals = reports.totals(computed.savings)
    models = cost_models_used(computed)
    body = {
        "start": timezone.localtime(period.start).isoformat() if period.start else None,
        "end": timezone.localtime(period.end).isoformat(),
        "group_by": ",".join(by),
        "province": province,
        "district": district,
        # A frame: exports.render serialises it with pandas, fast for tens of thousands of rows.
        "rows": rows,
        "totals": totals,
        "cost_models": models,
    }
    totals_sheet = pd.DataFrame([{str(LABELS.get(k, k)): v for k, v in totals.items()}])
    models_sheet = pd.DataFrame(models).rename(columns=text(MODEL_LABELS)) if models else pd.DataFrame()
    return Report(
        name="savings",
        body=body,
        rows=rows,
        labels=text(LABELS),
        sheets={_("Tổng cộng"): totals_sheet, _("Mô hình chi phí"): models_sheet},
    )


MODEL_LABELS = {
    "id": gettext_lazy("Mã"),
    "province_code": gettext_lazy("Tỉnh"),
    "effective_from": gettext_lazy("Hiệu lực từ"),
    "source": gettext_lazy("Căn cứ"),
    "notes": gettext_lazy("Giả định"),
    "transport_vnd_per_km": gettext_lazy("Phương tiện (đ/km)"),
    "per_diem_vnd": gettext_lazy("Phụ cấp lưu trú (đ/ngày)"),
    "per_diem_threshold_km": gettext_lazy("Ngưỡng phụ cấp (km)"),
    "difficult_per_diem_threshold_km": gettext_lazy("Ngưỡng xã ĐBKK (km)"),
    "lodging_vnd_per_night": gettext_lazy("Phòng nghỉ (đ/đêm)"),
    "lodging_threshold_km": gettext_lazy("Ngưỡng phòng nghỉ (km)"),
    "average_speed_kmh": gettext_lazy("Tốc độ (km/h)"),
    "vehicle_occupancy": gettext_lazy("Người/xe"),
    "co2_kg_per_vehicle_km": gettext_lazy("CO2 (kg/xe·km)"),
    "min_meeting_minutes": gettext_lazy("Thời lượng tối thiểu (phút)"),
    "meetings": gettext_lazy("Số cuộc họp"),
    "participations": gettext_lazy("Lượt tham dự"),
    "money_vnd": gettext_lazy("Chi phí tiết kiệm (đồng)"),
}


def text(labels: Mapping[str, object]) -> dict[str, str]:
    """Lazy Vietnamese labels as plain strings in the active language."""
    return {key: str(value) for key, value in labels.items()}


def _month_of(moment: dt.datetime) -> int:
    local = timezone.localtime(moment)
    return local.year * 100 + local.month


def fill_month_labels(rows: pd.DataFrame, first: int | None, last: int) -> pd.DataFrame:
    """Zero rows for months without savings, so charts and spreadsheets show the gaps."""
    as_ints = rows.assign(month=[int(m.replace("-", "")) for m in rows["month"]])
    if first is None and as_ints.empty:
        return rows
    filled = reports.fill_months(as_ints, first, last if not as_ints.empty or first else None)
    filled["month"] = [reports.month_label(int(m)) for m in filled["month"]]
    return filled


def meeting_breakdown(meeting: Meeting) -> dict:
    """One meeting, endpoint by endpoint, with every input of the formula and its result."""
    now = clock.now()
    state = meeting.state_at(now)
    one = Meeting.objects.filter(pk=meeting.pk)
    meetings = frames.meetings_frame(one)
    attended = frames.head_counts_frame(one)
    booked = frames.participations_frame([meeting.pk])
    units = frames.units_frame()
    endpoints = frames.endpoints_frame(np.union1d(booked["endpoint"], attended["endpoint"]))
    places = reports.endpoint_places(endpoints, units, frames.distances_frame(endpoints["endpoint"], endpoints))
    cost_models = frames.cost_models_frame()
    valued = reports.value_meetings(meetings, places, cost_models)
    row = valued.iloc[0]
    held = state == MeetingStatus.HELD
    counted = bool(row["counted"]) and held
    reason = None
    if state == MeetingStatus.CANCELLED:
        reason = _("Cuộc họp đã hủy.")
    elif not held:
        reason = _("Cuộc họp chưa kết thúc.")
    elif pd.isna(row["model"]):
        reason = _("Chưa có mô hình chi phí.")
    elif not row["counted"]:
        reason = _("Ngắn hơn thời lượng tối thiểu %(n)s phút.") % {"n": int(row["min_meeting_minutes"])}
    result = reports.participation_savings(attended, valued.assign(counted=counted), places).set_index("endpoint")
    counts = attended.set_index("endpoint")["attendees"]
    place = places.set_index("endpoint")
    names = units.set_index("unit")
    unit_of = endpoints.set_index("endpoint")["unit"]
    items = []
    for endpoint_id in pd.Index(booked["endpoint"]).union(attended["endpoint"]):
        is_host = int(endpoint_id) == int(row["host"])
        distance = 0.0 if is_host else place["distance_km"].get(endpoint_id, np.nan)
        difficult = bool(place["difficult"].get(endpoint_id, False))
        item = {
            "endpoint": int(endpoint_id),
            "name": str(place["endpoint_name"].get(endpoint_id, "")),
            "unit": str(names["code"].get(unit_of.get(endpoint_id), "")),
            "is_host": is_host,
            "attended": bool(endpoint_id in counts.index),
            "attendees": int(counts[endpoint_id]) if endpoint_id in counts.index else None,
            "distance_km": None if pd.isna(distance) else float(distance),
            "distance_estimated": bool(place["estimated"].get(endpoint_id, False)) and not is_host,
            "especially_difficult": difficult,
            "per_diem_threshold_km": _maybe(
                row["difficult_per_diem_threshold_km"] if difficult else row["per_diem_threshold_km"]
            ),
        }
        if endpoint_id in result.index:
            r = result.loc[endpoint_id]
            item.update(
                per_diem_applies=bool(r["per_diem_applies"]),
                lodging_applies=bool(r["lodging_applies"]),
                person_km=round(float(r["person_km"]), 1),
                person_hours=round(float(r["person_hours"]), 1),
                money_vnd=round(float(r["money_vnd"])),
                vehicles=int(r["vehicles"]),
                co2_kg=round(float(r["co2_kg"]), 1),
            )
        else:
            item.update(
                per_diem_applies=False,
                lodging_applies=False,
                person_km=0.0,
                person_hours=0.0,
                money_vnd=0,
                vehicles=0,
                co2_kg=0.0,
            )
        items.append(item)
    model = None
    if not pd.isna(row["model"]):
        model = next(m for m in _model_dicts(cost_models) if m["id"] == int(row["model"]))
    return {
        "meeting": meeting.pk,
        "title": meeting.title,
        "start": timezone.localtime(meeting.start).isoformat(),
        "end": timezone.localtime(meeting.end).isoformat(),
        "state": state,
        "minutes": int(row["minutes"]),
        "counted": counted,
        "reason": reason,
        "cost_model": model,
        "endpoints": items,
        "totals": reports.totals(result.reset_index()) if counted else reports.totals(result.iloc[0:0].reset_index()),
    }


def _maybe(value: Any) -> float | None:
    return None if pd.isna(value) else _plain(value)


def _model_dicts(cost_models: pd.DataFrame) -> list[dict]:
    return [
        {
            "id": int(m["model"]),
            "province_code": m["province_code"] or None,
            "effective_from": m["effective_from"].date().isoformat(),
            "source": m["source"],
            **{name: _plain(m[name]) for name in reports.MODEL_RATES},
        }
        for _index, m in cost_models.iterrows()
    ]
