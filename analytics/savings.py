"""The savings report: what the network saved in money, hours, kilometres and CO2.

`build_report(...)` answers `GET /api/reports/savings/` and `manage.py report savings` with the
arguments analytics.serializers.SavingsQuerySerializer reads from the query.
"""

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import frames, grouped, months, verified
from analytics import savings_math as math
from analytics.exports import GROUP_LABELS, GROUP_SLUGS, Report, period_stem
from analytics.models import CostModel
from analytics.provinces import participant_provinces, province_key, province_labels
from analytics.scope import seen_provinces, visible_endpoints
from rooms.models import Level
from rooms.permissions import User
from vconf import clock

GROUPS = ["month", "province", "district", "endpoint", "meeting"]

LABELS = {
    **GROUP_LABELS,
    "meeting": gettext_lazy("Mã cuộc họp"),
    "title": gettext_lazy("Cuộc họp"),
    "start": gettext_lazy("Bắt đầu"),
    "participations": gettext_lazy("Lượt điểm cầu tham dự"),
    "attendees": gettext_lazy("Số người dự"),
    "travellers": gettext_lazy("Số người lẽ ra phải đi"),
    "reached_beyond_delegation": gettext_lazy("Số người dự thêm ngoài đoàn"),
    "participations_distance_not_entered": gettext_lazy("Lượt chưa nhập quãng đường (đảo, đặc khu)"),
    "trips_below_transport_threshold": gettext_lazy("Lượt dưới ngưỡng thanh toán phương tiện"),
    "person_km": gettext_lazy("Người·km không phải đi"),
    "person_hours": gettext_lazy("Giờ đi đường tiết kiệm"),
    "money_vnd": gettext_lazy("Chi phí tiết kiệm (đồng)"),
    "co2_kg": gettext_lazy("CO2 giảm (kg)"),
    "verified_money_vnd": gettext_lazy("Chi phí tiết kiệm được MCU xác nhận (đồng)"),
    "trips_avoided": gettext_lazy("Chuyến đi tránh được"),
    "participations_with_estimated_distance": gettext_lazy("Lượt có quãng đường ước tính"),
    "participations_without_distance": gettext_lazy("Lượt chưa có quãng đường"),
}


@dataclass
class Savings:
    """Everything one savings computation produced, for the report, the dashboard and payback."""

    savings: pd.DataFrame  # participation_savings rows
    meetings: pd.DataFrame  # value_meetings rows
    units: pd.DataFrame
    cost_models: pd.DataFrame
    places: pd.DataFrame  # endpoint_places rows
    # Grouped rows (analytics/grouped.py): which meetings reached which province, for counting them.
    presence: pd.DataFrame | None = None


def compute(
    *, start: dt.datetime | None, end: dt.datetime | None, now: dt.datetime, province: str | None = None
) -> Savings:
    """Savings of every attended participation in meetings held in [start, end); with a province,
    only its participants' (the province of each participating endpoint's unit, not the host's)."""
    held = frames.held_meetings(start=start, end=end, now=now)
    meetings = frames.meetings_frame(held)
    attended = frames.head_counts_frame(held, confirmed=True)
    units = frames.units_frame()
    endpoints = frames.endpoints_frame()
    wanted = np.union1d(attended["endpoint"].unique(), meetings["host"].unique())
    distances = frames.distances_frame(wanted, endpoints)
    places = math.endpoint_places(endpoints, units, distances, frames.provinces_frame())
    cost_models = frames.cost_models_frame()
    valued = math.value_meetings(meetings, places, cost_models)
    savings = verified.with_verified_money(
        math.participation_savings(attended, valued, places, cost_models), verified.confirmed_head_counts(attended)
    )
    savings["province"] = participant_provinces(savings["endpoint"], places)
    if province:
        savings = savings[savings["province"].to_numpy() == province_key(province, places)]
        savings = savings.reset_index(drop=True)
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
    scope = visible_endpoints(user, computed.places)
    if scope is not None:
        keep &= savings["endpoint"].isin(scope).to_numpy()
    presence = computed.presence
    if presence is not None:
        # Grouped rows (read_grouped: a reader of whole provinces) narrow their meetings alike.
        reached = np.ones(len(presence), dtype=bool)
        if start is not None:
            reached &= presence["meeting"].isin(later).to_numpy()
        if district:
            reached &= presence["district"].isin(ids).to_numpy()
        if scope is not None:
            reached &= np.isin(presence["province"].to_numpy(), participant_provinces(scope, computed.places))
        presence = presence[reached].reset_index(drop=True)
    if keep.all():
        return replace(computed, presence=presence)
    return replace(computed, savings=savings[keep].reset_index(drop=True), presence=presence)


def labelled_rows(computed: Savings, by: list[str], *, span: tuple[int | None, int] | None = None) -> pd.DataFrame:
    """The roll-up with its keys made readable: "2025-03", district codes and names, titles. By
    month alone, `span` (first, last YYYYMM) adds zero rows for the months without savings."""
    rows = verified.add_to_rows(math.roll_up(computed.savings, by, computed.presence), computed.savings, by)
    if by == ["month"] and span is not None:
        rows = months.fill(rows, *span)
    units = computed.units.set_index("unit")
    columns: list[str] = []
    for key in by:
        if key == "month":
            rows["month"] = months.labels(rows["month"])
            columns.append("month")
        elif key == "province":
            rows["province"], rows["province_name"] = province_labels(rows["province"], computed.places, units)
            columns += ["province", "province_name"]
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
            local = starts.dt.tz_convert(months.LOCAL_TZ).dt.strftime("%Y-%m-%dT%H:%M:%S%z")
            rows["start"] = (local.str[:-2] + ":" + local.str[-2:]).to_numpy()  # ISO 8601: +07:00
            columns += ["meeting", "title", "start"]
    return rows[[*columns, *math.MEASURES, verified.COLUMN]]


def cost_models_used(computed: Savings) -> list[dict]:
    """Each cost model that valued at least one counted participation, with how much it valued."""
    savings = computed.savings
    rows = pd.DataFrame(
        {"model": savings["model"], "weight": math.weights(savings), "money_vnd": savings["money_vnd"]}, copy=False
    )
    used = rows.groupby("model").agg(participations=("weight", "sum"), money_vnd=("money_vnd", "sum"))
    reached = computed.savings if computed.presence is None else computed.presence
    used.insert(0, "meetings", reached.groupby("model")["meeting"].nunique().reindex(used.index, fill_value=0))
    models = computed.cost_models.set_index("model", drop=False)
    notes = dict(CostModel.objects.filter(pk__in=used.index.tolist()).values_list("pk", "notes"))
    result = []
    for model_id, row in used.iterrows():
        model = models.loc[model_id]
        result.append(
            {
                **math.cost_model_dict(model, notes=notes.get(int(model_id), "")),
                "meetings": int(row["meetings"]),
                "participations": int(row["participations"]),
                "money_vnd": round(float(row["money_vnd"])),
            }
        )
    return result


def read_grouped(
    *,
    start: dt.datetime | None,
    end: dt.datetime,
    now: dt.datetime,
    group_by: list[str],
    district: str | None,
    province: str | None,
    user: User | None,
    split_at: dt.datetime | None = None,
) -> Savings | None:
    """compute(...) narrowed to the district and the user's scope, read grouped by the database
    (analytics/grouped.py) when the keys and the reader allow it (a reader who sees whole
    provinces); else None."""
    if not grouped.applies(group_by):
        return None
    try:
        seen = seen_provinces(user)
    except LookupError:
        return None
    wanted = {province} if province else None
    keep = seen if wanted is None else wanted if seen is None else wanted & seen
    computed = grouped.compute(start=start, end=end, now=now, provinces=keep, split_at=split_at)
    return narrow(computed, district=district) if computed is not None else None


def build_report(
    *,
    start: dt.datetime | None,
    end: dt.datetime,
    group_by: list[str],
    district: str | None,
    province: str | None,
    user: User | None,
) -> Report:
    now = clock.now()
    computed = read_grouped(
        start=start, end=end, now=now, group_by=group_by, district=district, province=province, user=user
    )
    if computed is None:
        computed = narrow(compute(start=start, end=end, now=now, province=province), district=district, user=user)
    last = months.month_of(end - dt.timedelta(seconds=1))
    rows = labelled_rows(computed, group_by, span=(months.month_of(start) if start else None, last))
    totals = {**math.totals(computed.savings, computed.presence), verified.COLUMN: verified.total(computed.savings)}
    models = cost_models_used(computed)
    body = {
        "start": timezone.localtime(start).isoformat() if start else None,
        "end": timezone.localtime(end).isoformat(),
        "group_by": ",".join(group_by),
        "province": province,
        "district": district,
        # A frame: exports.render serialises it with pandas, fast for tens of thousands of rows.
        "rows": rows,
        "totals": totals,
        "cost_models": models,
    }
    grouping = "-".join(GROUP_SLUGS[key] for key in group_by)
    return Report(
        name=_("Tiết kiệm"),
        stem=f"tiet-kiem-theo-{grouping}-{period_stem(start, end)}",
        body=body,
        rows=rows,
        labels={**MODEL_LABELS, **LABELS},
        sheets={_("Tổng cộng"): pd.DataFrame([totals]), _("Mô hình chi phí"): pd.DataFrame(models)},
    )


MODEL_LABELS = {
    "id": gettext_lazy("Mã"),
    "province_code": gettext_lazy("Tỉnh"),
    "effective_from": gettext_lazy("Hiệu lực từ"),
    "source": gettext_lazy("Căn cứ"),
    "notes": gettext_lazy("Giả định"),
    "transport_vnd_per_km": gettext_lazy("Phương tiện (đ/km)"),
    "per_diem_vnd": gettext_lazy("Phụ cấp lưu trú (đ/ngày)"),
    "transport_threshold_km": gettext_lazy("Ngưỡng phương tiện (km)"),
    "difficult_transport_threshold_km": gettext_lazy("Ngưỡng phương tiện xã ĐBKK (km)"),
    "default_delegates_per_site": gettext_lazy("Số đại biểu mỗi điểm cầu"),
    "per_diem_threshold_km": gettext_lazy("Ngưỡng phụ cấp (km)"),
    "difficult_per_diem_threshold_km": gettext_lazy("Ngưỡng xã ĐBKK (km)"),
    "lodging_vnd_per_night": gettext_lazy("Phòng nghỉ (đ/đêm)"),
    "lodging_threshold_km": gettext_lazy("Ngưỡng phòng nghỉ (km)"),
    "average_speed_kmh": gettext_lazy("Tốc độ (km/h)"),
    "vehicle_occupancy": gettext_lazy("Người/xe"),
    "co2_kg_per_vehicle_km": gettext_lazy("CO2 (kg/xe·km)"),
    "min_meeting_minutes": gettext_lazy("Thời lượng tối thiểu (phút)"),
}
