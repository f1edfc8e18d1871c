"""The leaders' dashboard (/bao-cao/) as data: a period's savings by month and district, the
payback of the province, its coverage and the downloads, for one reader's scope."""

import datetime as dt
from urllib.parse import urlencode

import pandas as pd
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics import charts, maps, months, payback, savings, verified
from analytics import savings_math as math
from analytics.coverage import ALL, coverage_with_communes
from analytics.scope import default_province as report_province
from analytics.scope import sees_province
from rooms.models import Level, Structure, Unit
from rooms.permissions import User
from vconf import clock


def default_province(user: User) -> str | None:
    """The reader's province; the whole country (None) for a reader without a home unit."""
    return report_province(user)


def legacy_districts(province: str | None) -> list[tuple[str, str]]:
    """(code, name) of the province's former districts, the dashboard's filter."""
    districts = Unit.objects.filter(structure=Structure.LEGACY, level=Level.DISTRICT, parent__code=province)
    return list(districts.order_by("name").values_list("code", "name"))


def local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def coverage_summary(province: str | None, as_of: dt.date) -> dict | None:
    """Coverage toward 100% on the current tree (None: the whole country), when there are units."""
    try:
        report, communes = coverage_with_communes(
            province_code=province or ALL, structure=Structure.CURRENT, as_of=as_of
        )
    except ValidationError:
        return None
    trend = report.get("trend") or []
    chart = None
    if trend:
        chart = charts.line_chart(
            [point["month"] for point in trend],
            [
                charts.Series(_("Đã lắp đặt"), [point["percent_installed"] for point in trend], charts.COLORS[0]),
                charts.Series(_("Đang hoạt động"), [point["percent_in_service"] for point in trend], charts.COLORS[2]),
            ],
            title=_("Tỷ lệ xã có điểm cầu theo tháng"),
            unit="%",
            top=100,
        )
    url = reverse("coverage-page")
    where = f"{url}?{urlencode({'structure': Structure.CURRENT, 'as_of': as_of.isoformat()})}"
    title = _("Bản đồ phủ sóng các xã")
    commune_map = maps.coverage_map(communes, structure=Structure.CURRENT, missing_url=where, title=title)
    return {"report": report, "chart": chart, "url": url, "map": commune_map}


def payback_chart(frame: pd.DataFrame) -> str | None:
    if not len(frame):
        return None
    return charts.line_chart(
        [months.label(int(m)) for m in frame["month"]],
        [
            charts.Series(_("Tiết kiệm lũy kế"), frame["cumulative_savings_vnd"].tolist(), charts.COLORS[2]),
            charts.Series(
                _("Đầu tư lũy kế"), frame["cumulative_investment_vnd"].tolist(), charts.COLORS[1], dashed=True
            ),
        ],
        title=_("Tiết kiệm lũy kế so với đầu tư lũy kế"),
        unit=_("đồng"),
    )


def downloads(
    *, start: dt.date, end: dt.date, district: str | None, with_payback: bool, nationwide: bool = False
) -> list[tuple[str, str]]:
    query = {"start": start.isoformat(), "end": end.isoformat(), **({"district": district} if district else {})}
    api = reverse("savings-report")
    buttons = [
        (_("CSV theo tháng"), "month", "csv"),
        (_("Excel theo tháng"), "month", "xlsx"),
        (_("Excel theo huyện"), "district", "xlsx"),
        (_("Excel theo cuộc họp"), "meeting", "xlsx"),
        *([(_("Excel theo tỉnh và tháng"), "province,month", "xlsx")] if nationwide else []),
    ]
    links = [(label, f"{api}?{urlencode({**query, 'group_by': by, 'format': fmt})}") for label, by, fmt in buttons]
    if with_payback:
        payback_url = f"{reverse('payback-report')}?{urlencode({'end': end.isoformat(), 'format': 'xlsx'})}"
        links.append((_("Excel hoàn vốn"), payback_url))
    return links


def dashboard_data(*, user: User, province: str | None, start: dt.date, end: dt.date, district: str | None) -> dict:
    """What the dashboard shows for [start, end] (local days), in one district or the province.
    Payback is province-wide: None for a reader below the province."""
    now = clock.now()
    end_moment = min(local_midnight(end + dt.timedelta(days=1)), now)
    history = savings.read_grouped(
        start=None,
        end=end_moment,
        now=now,
        group_by=["month", "district"],
        district=None,
        province=province,
        user=user,
        split_at=local_midnight(start),
    ) or savings.compute(start=None, end=end_moment, now=now, province=province)
    period = savings.narrow(history, start=local_midnight(start), district=district, user=user)
    monthly = savings.labelled_rows(
        period, ["month"], span=(start.year * 100 + start.month, end.year * 100 + end.month)
    )
    whole = sees_province(user, province)
    paid = payback.compute_payback(province=province, as_of=end, computed=history) if whole else None
    return {
        "province": Unit.objects.filter(level=Level.PROVINCE, code=province).first() if province else None,
        "start": start,
        "end": end,
        "totals": {**math.totals(period.savings, period.presence), verified.COLUMN: verified.total(period.savings)},
        "by_district": savings.labelled_rows(period, ["district"]).to_dict("records"),
        "cost_models": savings.cost_models_used(period),
        "payback": paid,
        "savings_chart": charts.bar_chart(
            list(monthly["month"]),
            [float(v) for v in monthly["money_vnd"]],
            title=_("Chi phí tiết kiệm theo tháng (đồng)"),
            unit=_("đồng"),
        ),
        "payback_chart": payback_chart(paid["frame"]) if paid else None,
        "coverage": coverage_summary(province, end),
        "downloads": downloads(
            start=start, end=end, district=district, with_payback=paid is not None, nationwide=province is None
        ),
    }
