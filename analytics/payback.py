"""Payback: cumulative savings against cumulative investment, month by month, and the payback date.

The payback month is the first month from which cumulative savings stay at or above cumulative
investment; the payback date is the last day of that month ("paid back by"). While savings are
still below, the projected date is where the pace of the last 12 months would close the gap.
"""

import calendar
import datetime as dt
from collections.abc import Mapping

import pandas as pd
from django.utils import timezone
from django.utils.translation import gettext_lazy

from analytics import frames, reports, savings
from analytics.exports import Report
from rooms.models import Level, Unit
from rooms.permissions import User, home_unit
from vconf import clock
from vconf.fields import query_date

LABELS = {
    "month": gettext_lazy("Tháng"),
    "savings_vnd": gettext_lazy("Tiết kiệm trong tháng (đồng)"),
    "investment_vnd": gettext_lazy("Đầu tư trong tháng (đồng)"),
    "cumulative_savings_vnd": gettext_lazy("Tiết kiệm lũy kế (đồng)"),
    "cumulative_investment_vnd": gettext_lazy("Đầu tư lũy kế (đồng)"),
    "balance_vnd": gettext_lazy("Chênh lệch (đồng)"),
}


def month_end(month: int | None) -> dt.date | None:
    if month is None:
        return None
    year, number = divmod(month, 100)
    return dt.date(year, number, calendar.monthrange(year, number)[1])


def province_of(user: User | None) -> str | None:
    """The province a user's home unit belongs to (None: no home unit, sees every province)."""
    unit = home_unit(user) if user is not None else None
    while unit is not None and unit.level != Level.PROVINCE:
        unit = unit.parent
    return unit.code if unit is not None else None


def compute_payback(*, province: str | None, as_of: dt.date, computed: savings.Savings | None = None) -> dict:
    """Payback of a province (None: all) as of a day. `computed` may pass in savings already
    computed from the beginning of history up to that day."""
    if computed is None:
        now = clock.now()
        end = min(timezone.make_aware(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())), now)
        computed = savings.compute(start=None, end=end, now=now, province=province)
    monthly = reports.roll_up(computed.savings, ["month"])[["month", "money_vnd"]]
    investments = frames.investments_frame(province)
    investments = investments[investments["date"] <= pd.Timestamp(as_of)]
    frame = reports.payback(monthly, investments, last_month=as_of.year * 100 + as_of.month)
    paid = reports.payback_month(frame)
    projected = reports.projected_payback_month(frame)
    saved = int(frame["cumulative_savings_vnd"].iloc[-1]) if len(frame) else 0
    spent = int(frame["cumulative_investment_vnd"].iloc[-1]) if len(frame) else 0
    return {
        "province": province,
        "end": as_of,
        "frame": frame,
        "totals": {"savings_vnd": saved, "investment_vnd": spent, "balance_vnd": saved - spent},
        "payback_month": reports.month_label(paid) if paid else None,
        "payback_date": month_end(paid),
        "payback_percent": round(100 * saved / spent, 1) if spent else None,
        "projected_payback_date": month_end(projected),
        "investments": [
            {
                "date": row.date.date().isoformat(),
                "amount_vnd": round(row.amount_vnd),
                "province_code": row.province_code,
                "description": row.description,
            }
            for row in investments.itertuples()
        ],
        "cost_models": savings.cost_models_used(computed),
    }


def build_report(params: Mapping[str, str], user: User | None) -> Report:
    province = savings.read_unit_code(params, "province", Level.PROVINCE) or province_of(user)
    as_of = query_date(params, "end") or query_date(params, "as_of") or timezone.localdate(clock.now())
    result = compute_payback(province=province, as_of=as_of)
    frame = result.pop("frame").copy()
    frame["month"] = [reports.month_label(int(m)) for m in frame["month"]]
    body = {
        **result,
        "end": as_of.isoformat(),
        "payback_date": _iso(result["payback_date"]),
        "projected_payback_date": _iso(result["projected_payback_date"]),
        "province_name": Unit.objects.filter(code=province, level=Level.PROVINCE).values_list("name", flat=True).first()
        if province
        else None,
        "rows": frame.to_dict("records"),
    }
    return Report(
        name="payback",
        body=body,
        rows=frame,
        labels=savings.text(LABELS),
        sheets={str(gettext_lazy("Đầu tư")): pd.DataFrame(result["investments"])},
    )


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
