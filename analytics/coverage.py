"""Rollout coverage: "x of N communes, toward 100%", as of any date, on either tree.

DOMAIN.md "Coverage": N = communes of the province; installed = communes with an endpoint in
pilot or in service; in service = communes with an endpoint in service; active = communes with
an endpoint that checked into a meeting within VCONF["ACTIVE_WINDOW_DAYS"] days up to the date.
What held on a date comes from the StatusChange history, never from today's status. On the
current tree an endpoint covers its own unit; on the legacy tree also the legacy unit it served
(endpoints carried onto the current tree after the merger keep it).

The projection of 100% uses the pace of the last PACE_WINDOW_MONTHS months: communes gained
over that window, per month, continued in a straight line.
"""

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
from analytics.frames import EpochSeconds, frame_from
from rooms.models import (
    CheckIn,
    CheckInKind,
    CoverageTarget,
    Endpoint,
    EndpointStatus,
    Level,
    ProvinceSettings,
    StatusChange,
    Structure,
    Unit,
)
from vconf import clock
from vconf.fields import query_choice, query_date

ALL = "all"
MEASURES = {
    "installed": (EndpointStatus.PILOT, EndpointStatus.IN_SERVICE),
    "in_service": (EndpointStatus.IN_SERVICE,),
}


def percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


# --- reading the database (through analytics.frames.frame_from) ----------------------------------


def province_communes(province_code: str, structure: str) -> QuerySet[Unit]:
    communes = Unit.objects.filter(structure=structure, level=Level.COMMUNE)
    if province_code == ALL:
        return communes
    return communes.filter(
        Q(parent__code=province_code, parent__level=Level.PROVINCE) | Q(parent__parent__code=province_code)
    )


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
    frames = [
        frame_from(
            Endpoint.objects.filter(unit__in=communes.values("pk")).order_by().values_list("id", "unit_id"),
            {"endpoint": "int64", "unit": "int64"},
        )
    ]
    if structure == Structure.LEGACY:
        frames.append(
            frame_from(
                Endpoint.objects.filter(legacy_unit__in=communes.values("pk"))
                .order_by()
                .values_list("id", "legacy_unit_id"),
                {"endpoint": "int64", "unit": "int64"},
            )
        )
    return pd.concat(frames, ignore_index=True).drop_duplicates()


def history_frame(endpoints: QuerySet[Endpoint]) -> pd.DataFrame:
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
    # Dates travel as epoch seconds (no per-row converter) and become timestamps in one step.
    frame["effective"] = pd.to_datetime(frame["effective"], unit="s")
    return frame


def active_endpoints(endpoints: QuerySet[Endpoint], as_of: dt.date, window_days: int) -> set[int]:
    start = timezone.make_aware(dt.datetime.combine(as_of - dt.timedelta(days=window_days - 1), dt.time()))
    end = timezone.make_aware(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time()))
    checkins = CheckIn.objects.filter(
        kind=CheckInKind.IN, at__gte=start, at__lt=end, endpoint__in=endpoints.values("pk")
    )
    return set(checkins.order_by().values_list("endpoint_id", flat=True).distinct())


# --- the report ------------------------------------------------------------------------------------


def _compute(*, province_code: str, structure: str, as_of: dt.date) -> tuple[dict, pd.DataFrame]:
    if structure not in Structure.values:
        raise ValidationError({"structure": [_("Chọn một trong: %s.") % ", ".join(Structure.values)]})
    if province_code == ALL:
        province_name = _("Toàn quốc")
    else:
        province = Unit.objects.filter(structure=structure, level=Level.PROVINCE, code=province_code).first()
        if province is None:
            raise ValidationError(
                {
                    "province": [
                        _("Không có tỉnh mã “%(code)s” trên cây %(tree)s (chạy load_units?).")
                        % {"code": province_code, "tree": structure}
                    ]
                }
            )
        province_name = province.name
    window = int(settings.VCONF["ACTIVE_WINDOW_DAYS"])
    communes_qs = province_communes(province_code, structure)
    covers = Q(unit__in=communes_qs.values("pk"))
    if structure == Structure.LEGACY:
        covers |= Q(legacy_unit__in=communes_qs.values("pk"))
    endpoints = Endpoint.objects.filter(covers)
    communes = communes_frame(communes_qs)
    links = coverage_links(communes_qs, structure)
    intervals = status_intervals(history_frame(endpoints))
    transitions = {name: commune_transitions(intervals, links, statuses) for name, statuses in MEASURES.items()}
    steps = {name: step_counts(frame) for name, frame in transitions.items()}
    since = covered_units(transitions["installed"], as_of)
    in_service = covered_units(transitions["in_service"], as_of)
    active_units = set(links.loc[links["endpoint"].isin(active_endpoints(endpoints, as_of, window)), "unit"])
    communes["installed"] = communes["unit"].isin(since.index)
    communes["in_service"] = communes["unit"].isin(in_service.index)
    communes["active"] = communes["unit"].isin(active_units)
    communes["installed_since"] = communes["unit"].map(since)
    total = len(communes)
    figures = {m: int(communes[m].sum()) for m in ("installed", "in_service", "active")}

    first = transitions["installed"]["date"].min()
    days = month_ends(first.date(), as_of) if pd.notna(first) and first.date() <= as_of else []
    trend = []
    installed_series, service_series = counts_at(steps["installed"], days), counts_at(steps["in_service"], days)
    for day, installed, serving in zip(days, installed_series, service_series, strict=True):
        trend.append(
            {
                "month": day.strftime("%Y-%m"),
                "date": day.isoformat(),
                "installed": installed,
                "in_service": serving,
                "percent_installed": percent(installed, total),
                "percent_in_service": percent(serving, total),
            }
        )

    def measure_on(measure: str, day: dt.date) -> int:
        if measure == "active" or day >= as_of:
            return figures[measure]
        return counts_at(steps[measure], [day])[0]

    targets: list[dict[str, Any]] = []
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
    upcoming = [t for t in targets if t["due"] >= as_of.isoformat()]
    projected, projection_info = projection(steps["installed"], total, as_of)

    by_district = []
    if structure == Structure.LEGACY:
        in_districts = communes[communes["district"] != 0]
        sums = in_districts.groupby(["district_code", "district_name"], sort=True).agg(
            communes=("unit", "size"),
            installed=("installed", "sum"),
            in_service=("in_service", "sum"),
            active=("active", "sum"),
        )
        for (code, name), row in zip(sums.index, sums.itertuples(index=False), strict=True):
            counts = {"installed": int(row.installed), "in_service": int(row.in_service), "active": int(row.active)}
            by_district.append(
                {
                    "code": code,
                    "name": name,
                    "communes": int(row.communes),
                    **counts,
                    **{f"percent_{m}": percent(counts[m], int(row.communes)) for m in counts},
                }
            )
    missing = [
        {
            "code": row.code,
            "name": row.name,
            "district_code": None if pd.isna(row.district_code) else row.district_code,
            "district": None if pd.isna(row.district_name) else row.district_name,
        }
        for row in communes[~communes["installed"]].itertuples()
    ]
    body = {
        "province": {"code": province_code, "name": province_name},
        "structure": structure,
        "as_of": as_of.isoformat(),
        "active_window_days": window,
        "communes": total,
        **figures,
        **{f"percent_{m}": percent(figures[m], total) for m in figures},
        "target": (upcoming[0] if upcoming else targets[-1]) if targets else None,
        "targets": targets,
        "by_district": by_district,
        "missing": missing,
        "trend": trend,
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
    code = ProvinceSettings.objects.order_by("province_code").values_list("province_code", flat=True).first()
    code = code or Unit.objects.filter(level=Level.PROVINCE).order_by("code").values_list("code", flat=True).first()
    if code is None:
        raise ValidationError({"province": [_("Chưa có đơn vị hành chính nào (chạy load_units).")]})
    return code


def read_params(params: Mapping[str, str]) -> tuple[str, str, dt.date]:
    """province, structure, as_of from query parameters; 400 naming the bad one."""
    today = timezone.localtime(clock.now()).date()
    # `end` is what `manage.py report --end` passes; as_of wins when both are given.
    as_of = query_date(params, "as_of") or query_date(params, "end") or today
    if as_of > today:
        raise ValidationError({"as_of": [_("Ngày không được ở tương lai.")]})
    structure = query_choice(params, "structure", Structure.values, default=Structure.CURRENT)
    province = (params.get("province") or "").strip()[:10] or default_province()
    return province, structure, as_of


LABELS = {
    "district_code": gettext_lazy("Mã huyện"),
    "district_name": gettext_lazy("Huyện"),
    "code": gettext_lazy("Mã xã"),
    "name": gettext_lazy("Xã"),
    "installed": gettext_lazy("Đã lắp đặt"),
    "in_service": gettext_lazy("Đang hoạt động"),
    "active": gettext_lazy("Có sử dụng"),
    "installed_since": gettext_lazy("Lắp đặt từ"),
}


def build_report(params: Mapping[str, str], user: object) -> Report:
    province, structure, as_of = read_params(params)
    body, communes = _compute(province_code=province, structure=structure, as_of=as_of)
    rows = communes.drop(columns=["unit", "district"]).copy()
    yes, no = _("có"), ""
    for column in ("installed", "in_service", "active"):
        rows[column] = rows[column].map({True: yes, False: no})
    rows["installed_since"] = rows["installed_since"].dt.date
    if structure == Structure.CURRENT:
        rows = rows.drop(columns=["district_code", "district_name"])
    summary = pd.DataFrame(
        [
            {
                key: body[key]
                for key in (
                    "communes",
                    "installed",
                    "in_service",
                    "active",
                    "percent_installed",
                    "percent_in_service",
                    "percent_active",
                    "projected_full_coverage",
                )
            }
        ]
    ).assign(as_of=body["as_of"], structure=structure, province=body["province"]["name"])
    return Report(
        name="coverage",
        body=body,
        rows=rows[[c for c in LABELS if c in rows.columns]],
        labels={key: str(label) for key, label in LABELS.items()},
        sheets={
            _("Tổng hợp"): summary,
            _("Theo huyện"): pd.DataFrame(body["by_district"]),
            _("Xu hướng"): pd.DataFrame(body["trend"]),
            _("Mục tiêu"): pd.DataFrame(body["targets"]),
        },
    )
