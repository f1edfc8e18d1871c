"""Rollout coverage: "x of N communes, toward 100%", as of any date, on either tree.

DOMAIN.md "Coverage": N = communes of the province; installed = communes with an endpoint in
pilot or in service; in service = communes with an endpoint in service; active = communes with
an endpoint that checked into a meeting within VCONF["ACTIVE_WINDOW_DAYS"] days up to the date.
What held on a date comes from the StatusChange history, never from today's status. On the
current tree an endpoint covers its own unit; on the legacy tree also every legacy unit it serves
(`legacy_units`: a room of a merged commune covers each legacy commune the merger absorbed).

The projection of 100% uses the pace of the last PACE_WINDOW_MONTHS months: communes gained
over that window, per month, continued in a straight line.
"""

import datetime as dt

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import frames
from analytics.coverage_math import (
    commune_transitions,
    counts_at,
    covered_units,
    month_ends,
    projection,
    status_intervals,
    step_counts,
)
from analytics.exports import Report
from analytics.savings_math import unit_places
from rooms.models import (
    CoverageTarget,
    Endpoint,
    EndpointStatus,
    Level,
    Structure,
    Unit,
)
from rooms.permissions import User

ALL = "all"
MEASURES = {
    "installed": (EndpointStatus.PILOT, EndpointStatus.IN_SERVICE),
    "in_service": (EndpointStatus.IN_SERVICE,),
}


def percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def province_communes(province_code: str, structure: str) -> QuerySet[Unit]:
    communes = Unit.objects.filter(structure=structure, level=Level.COMMUNE)
    if province_code == ALL:
        return communes
    return communes.filter(
        Q(parent__code=province_code, parent__level=Level.PROVINCE) | Q(parent__parent__code=province_code)
    )


def active_endpoints(endpoints: QuerySet[Endpoint], as_of: dt.date, window_days: int) -> set[int]:
    """Endpoints with a check-in in the `window_days` days up to as_of."""
    start = timezone.make_aware(dt.datetime.combine(as_of - dt.timedelta(days=window_days - 1), dt.time()))
    end = timezone.make_aware(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time()))
    return frames.endpoints_checked_in(endpoints, start=start, end=end)


# --- the report ------------------------------------------------------------------------------------


def province_name(province_code: str, structure: str) -> str:
    if province_code == ALL:
        return _("Toàn quốc")
    province = Unit.objects.filter(structure=structure, level=Level.PROVINCE, code=province_code).first()
    if province is None:
        message = _("Không có tỉnh mã “%(code)s” trên cây %(tree)s (chạy load_units?).") % {
            "code": province_code,
            "tree": structure,
        }
        raise ValidationError({"province": [message]})
    return province.name


def commune_coverage(communes_qs: QuerySet[Unit], structure: str, as_of: dt.date, window: int) -> tuple:
    """The communes frame with installed, in_service, active and installed_since, and the step
    counts of installed and in-service communes over time."""
    covers = Q(unit__in=communes_qs.values("pk"))
    if structure == Structure.LEGACY:
        served = Endpoint.legacy_units.through.objects.filter(unit__in=communes_qs.values("pk"))
        covers |= Q(legacy_unit__in=communes_qs.values("pk")) | Q(pk__in=served.values("endpoint_id"))
    endpoints = Endpoint.objects.filter(covers)
    communes = frames.communes_frame(communes_qs)
    links = frames.coverage_links(communes_qs, structure)
    intervals = status_intervals(frames.status_history_frame(endpoints))
    transitions = {name: commune_transitions(intervals, links, statuses) for name, statuses in MEASURES.items()}
    since = covered_units(transitions["installed"], as_of)
    in_service = covered_units(transitions["in_service"], as_of)
    active_units = set(links.loc[links["endpoint"].isin(active_endpoints(endpoints, as_of, window)), "unit"])
    communes["installed"] = communes["unit"].isin(since.index)
    communes["in_service"] = communes["unit"].isin(in_service.index)
    communes["active"] = communes["unit"].isin(active_units)
    communes["installed_since"] = communes["unit"].map(since)
    first = transitions["installed"]["date"].min()
    return communes, {name: step_counts(frame) for name, frame in transitions.items()}, first


def trend_of(steps: dict[str, pd.Series], first: pd.Timestamp, as_of: dt.date, total: int) -> list[dict]:
    """Installed and in-service communes at the end of every month since the first installation."""
    days = month_ends(first.date(), as_of) if pd.notna(first) and first.date() <= as_of else []
    installed_series, service_series = counts_at(steps["installed"], days), counts_at(steps["in_service"], days)
    return [
        {
            "month": day.strftime("%Y-%m"),
            "date": day.isoformat(),
            "installed": installed,
            "in_service": serving,
            "percent_installed": percent(installed, total),
            "percent_in_service": percent(serving, total),
        }
        for day, installed, serving in zip(days, installed_series, service_series, strict=True)
    ]


def targets_of(
    province_code: str, structure: str, *, as_of: dt.date, steps: dict[str, pd.Series], figures: dict, total: int
) -> list[dict]:
    def measure_on(measure: str, day: dt.date) -> int:
        if measure == "active" or day >= as_of:
            return figures[measure]
        return counts_at(steps[measure], [day])[0]

    targets = []
    for target in CoverageTarget.objects.filter(province_code=province_code, structure=structure).order_by("due"):
        reached = percent(measure_on(target.measure, min(target.due, as_of)), total)
        met = reached >= float(target.percent)
        targets.append(
            {
                "percent": float(target.percent),
                "due": target.due.isoformat(),
                "measure": target.measure,
                "label": target.label,
                "reached_percent": reached,
                "state": "met" if met else ("missed" if target.due < as_of else "open"),
                "communes_needed": max(0, int(np.ceil(float(target.percent) * total / 100)) - figures[target.measure]),
            }
        )
    return targets


def by_district_of(communes: pd.DataFrame) -> list[dict]:
    in_districts = communes[communes["district"] != 0]
    sums = in_districts.groupby(["district_code", "district_name"], sort=True).agg(
        communes=("unit", "size"),
        installed=("installed", "sum"),
        in_service=("in_service", "sum"),
        active=("active", "sum"),
    )
    rows = []
    for (code, name), row in zip(sums.index, sums.itertuples(index=False), strict=True):
        counts = {"installed": int(row.installed), "in_service": int(row.in_service), "active": int(row.active)}
        rows.append(
            {
                "code": code,
                "name": name,
                "communes": int(row.communes),
                **counts,
                **{f"percent_{m}": percent(counts[m], int(row.communes)) for m in counts},
            }
        )
    return rows


def by_province_of(communes: pd.DataFrame) -> list[dict]:
    """The nationwide table: per province, its communes and how many are covered."""
    units = frames.units_frame()
    places = unit_places(units).set_index("unit")
    provinces = units[units["level"] == Level.PROVINCE].sort_values("structure", ascending=False)
    names = dict(zip(provinces["code"].astype("object"), provinces["name"].astype("object"), strict=True))
    codes = places["province_code"].reindex(communes["unit"]).astype("object").fillna("").to_numpy()
    sums = communes.assign(province=codes).groupby("province", sort=True)[["installed", "in_service", "active"]]
    rows = []
    for code, row in sums.sum().join(sums.size().rename("communes")).iterrows():
        counts = {m: int(row[m]) for m in ("installed", "in_service", "active")}
        total = int(row["communes"])
        rows.append(
            {
                "code": code or None,
                "name": names.get(code, code),
                "communes": total,
                **counts,
                **{f"percent_{m}": percent(counts[m], total) for m in counts},
            }
        )
    return rows


def missing_of(communes: pd.DataFrame) -> list[dict]:
    return [
        {
            "code": row.code,
            "name": row.name,
            "district_code": None if pd.isna(row.district_code) else row.district_code,
            "district": None if pd.isna(row.district_name) else row.district_name,
        }
        for row in communes[~communes["installed"]].itertuples()
    ]


def _compute(*, province_code: str, structure: str, as_of: dt.date) -> tuple[dict, pd.DataFrame]:
    if structure not in Structure.values:
        raise ValidationError({"structure": [_("Chọn một trong: %s.") % ", ".join(Structure.values)]})
    name = province_name(province_code, structure)
    window = int(settings.VCONF["ACTIVE_WINDOW_DAYS"])
    communes, steps, first = commune_coverage(province_communes(province_code, structure), structure, as_of, window)
    total = len(communes)
    figures = {m: int(communes[m].sum()) for m in ("installed", "in_service", "active")}
    targets = targets_of(province_code, structure, as_of=as_of, steps=steps, figures=figures, total=total)
    upcoming = [t for t in targets if t["due"] >= as_of.isoformat()]
    projected, projection_info = projection(steps["installed"], total, as_of)
    body = {
        "province": {"code": province_code, "name": name},
        "structure": structure,
        "as_of": as_of.isoformat(),
        "active_window_days": window,
        "communes": total,
        **figures,
        **{f"percent_{m}": percent(figures[m], total) for m in figures},
        "target": (upcoming[0] if upcoming else targets[-1]) if targets else None,
        "targets": targets,
        "by_district": by_district_of(communes) if structure == Structure.LEGACY else [],
        "by_province": by_province_of(communes) if province_code == ALL else [],
        "missing": missing_of(communes),
        "trend": trend_of(steps, first, as_of, total),
        "projected_full_coverage": projected,
        "projection": projection_info,
    }
    return body, communes


def coverage_report(*, province_code: str, structure: str, as_of: dt.date) -> dict:
    """The coverage of a province ("all": the whole country) on one tree as of a date (API.md)."""
    return _compute(province_code=province_code, structure=structure, as_of=as_of)[0]


def coverage_with_communes(*, province_code: str, structure: str, as_of: dt.date) -> tuple[dict, pd.DataFrame]:
    """The report and its frame of communes (unit, code, name, installed, in_service, active), for the map."""
    return _compute(province_code=province_code, structure=structure, as_of=as_of)


def default_province() -> str:
    """The whole country once units are loaded (analytics.scope.default_province picks a reader's
    own province first)."""
    if not Unit.objects.filter(level=Level.PROVINCE).exists():
        raise ValidationError({"province": [_("Chưa có đơn vị hành chính nào (chạy load_units).")]})
    return ALL


ROW_COLUMNS = ["district_code", "district_name", "code", "name", "installed", "in_service", "active", "installed_since"]
SUMMARY = [
    "communes",
    "installed",
    "in_service",
    "active",
    "percent_installed",
    "percent_in_service",
    "percent_active",
    "projected_full_coverage",
]
DISTRICT_COLUMNS = {"code": "district_code", "name": "district_name"}
PROVINCE_COLUMNS = {"code": "province", "name": "province_name"}
# The headers of every sheet: communes, summary, districts, trend, targets.
LABELS = {
    "district_code": gettext_lazy("Mã huyện"),
    "district_name": gettext_lazy("Huyện"),
    "code": gettext_lazy("Mã xã"),
    "name": gettext_lazy("Xã"),
    "installed": gettext_lazy("Đã lắp đặt"),
    "in_service": gettext_lazy("Đang hoạt động"),
    "active": gettext_lazy("Có sử dụng"),
    "installed_since": gettext_lazy("Lắp đặt từ"),
    "communes": gettext_lazy("Số xã"),
    "percent_installed": gettext_lazy("% đã lắp đặt"),
    "percent_in_service": gettext_lazy("% đang hoạt động"),
    "percent_active": gettext_lazy("% có sử dụng"),
    "projected_full_coverage": gettext_lazy("Dự kiến đạt 100%"),
    "as_of": gettext_lazy("Tính đến ngày"),
    "structure": gettext_lazy("Cây đơn vị"),
    "province": gettext_lazy("Mã tỉnh"),
    "province_name": gettext_lazy("Tỉnh"),
    "month": gettext_lazy("Tháng"),
    "date": gettext_lazy("Ngày"),
    "percent": gettext_lazy("Mục tiêu (%)"),
    "due": gettext_lazy("Hạn"),
    "measure": gettext_lazy("Chỉ tiêu"),
    "label": gettext_lazy("Mục tiêu"),
    "reached_percent": gettext_lazy("Đã đạt (%)"),
    "state": gettext_lazy("Trạng thái"),
    "communes_needed": gettext_lazy("Số xã còn thiếu"),
}


def build_report(*, province: str, structure: str, as_of: dt.date, user: User | None) -> Report:
    body, communes = _compute(province_code=province, structure=structure, as_of=as_of)
    rows = communes.drop(columns=["unit", "district"]).copy()
    yes, no = _("có"), ""
    for column in ("installed", "in_service", "active"):
        rows[column] = rows[column].map({True: yes, False: no})
    rows["installed_since"] = rows["installed_since"].dt.date
    if structure == Structure.CURRENT:
        rows = rows.drop(columns=["district_code", "district_name"])
    summary = pd.DataFrame([{key: body[key] for key in SUMMARY}]).assign(
        as_of=body["as_of"], structure=structure, province_name=body["province"]["name"]
    )
    return Report(
        name=_("Phủ sóng"),
        stem=f"phu-song-{province}-{structure}-{as_of.isoformat()}",
        body=body,
        rows=rows[[c for c in ROW_COLUMNS if c in rows.columns]],
        labels=LABELS,
        sheets={
            _("Tổng hợp"): summary,
            _("Theo huyện"): pd.DataFrame(body["by_district"]).rename(columns=DISTRICT_COLUMNS),
            **(
                {_("Theo tỉnh"): pd.DataFrame(body["by_province"]).rename(columns=PROVINCE_COLUMNS)}
                if body["by_province"]
                else {}
            ),
            _("Xu hướng"): pd.DataFrame(body["trend"]),
            _("Mục tiêu"): pd.DataFrame(body["targets"]),
        },
    )
