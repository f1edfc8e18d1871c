"""Payback: cumulative savings against cumulative investment, month by month, and the payback date.

The payback month is the first month from which cumulative savings stay at or above cumulative
investment; the payback date is the last day of that month ("paid back by"). While savings are
still below, the projected date is where the pace of the last 12 months would close the gap.
Payback is a figure of a whole province: readers see only their own (analytics/scope.py).
"""

import datetime as dt

import pandas as pd
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import frames, months, savings
from analytics import savings_math as math
from analytics.exports import Report
from analytics.scope import check_sees_province, province_of
from rooms.models import Level, Unit
from rooms.permissions import User
from vconf import clock

LABELS = {
    "month": gettext_lazy("Tháng"),
    "savings_vnd": gettext_lazy("Tiết kiệm trong tháng (đồng)"),
    "investment_vnd": gettext_lazy("Đầu tư trong tháng (đồng)"),
    "cumulative_savings_vnd": gettext_lazy("Tiết kiệm lũy kế (đồng)"),
    "cumulative_investment_vnd": gettext_lazy("Đầu tư lũy kế (đồng)"),
    "balance_vnd": gettext_lazy("Chênh lệch (đồng)"),
    "date": gettext_lazy("Ngày"),
    "amount_vnd": gettext_lazy("Số tiền (đồng)"),
    "province_code": gettext_lazy("Tỉnh"),
    "description": gettext_lazy("Khoản đầu tư"),
}


def compute_payback(*, province: str | None, as_of: dt.date, computed: savings.Savings | None = None) -> dict:
    """Payback of a province (None: all) as of a day. `computed` may pass in savings already
    computed from the beginning of history up to that day."""
    if computed is None:
        now = clock.now()
        end = min(timezone.make_aware(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())), now)
        computed = savings.read_grouped(
            start=None, end=end, now=now, group_by=["month"], district=None, province=province, user=None
        ) or savings.compute(start=None, end=end, now=now, province=province)
    monthly = math.roll_up(computed.savings, ["month"], computed.presence)[["month", "money_vnd"]]
    investments = frames.investments_frame(province)
    investments = investments[investments["date"] <= pd.Timestamp(as_of)]
    frame = math.payback(monthly, investments, last_month=as_of.year * 100 + as_of.month)
    paid = math.payback_month(frame)
    saved = int(frame["cumulative_savings_vnd"].iloc[-1]) if len(frame) else 0
    spent = int(frame["cumulative_investment_vnd"].iloc[-1]) if len(frame) else 0
    return {
        "province": province,
        "end": as_of,
        "frame": frame,
        "totals": {"savings_vnd": saved, "investment_vnd": spent, "balance_vnd": saved - spent},
        "payback_month": months.label(paid) if paid else None,
        "payback_date": months.last_day(paid),
        "payback_percent": round(100 * saved / spent, 1) if spent else None,
        "projected_payback_date": months.last_day(math.projected_payback_month(frame)),
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


def build_report(*, province: str | None, end: dt.date, user: User | None) -> Report:
    province = province or province_of(user)
    check_sees_province(user, province)
    result = compute_payback(province=province, as_of=end)
    frame = result.pop("frame").copy()
    frame["month"] = [months.label(int(m)) for m in frame["month"]]
    body = {
        **result,
        "end": end.isoformat(),
        "payback_date": _iso(result["payback_date"]),
        "projected_payback_date": _iso(result["projected_payback_date"]),
        "province_name": Unit.objects.filter(code=province, level=Level.PROVINCE).values_list("name", flat=True).first()
        if province
        else None,
        "rows": frame.to_dict("records"),
    }
    return Report(
        name=_("Hoàn vốn"),
        stem=f"hoan-von-{province or 'toan-quoc'}-den-{end.isoformat()}",
        body=body,
        rows=frame,
        labels=LABELS,
        sheets={_("Đầu tư"): pd.DataFrame(result["investments"])},
    )


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
