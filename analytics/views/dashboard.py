"""The leaders' dashboard (/bao-cao/) and the history upload page for administrators."""

import datetime as dt
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import charts, payback, reports, savings
from analytics.history import import_history_csv
from analytics.views.savings import can_read_reports
from rooms.models import Level, ProvinceSettings, Structure, Unit
from rooms.permissions import User, is_administrator
from rooms.services.csv_files import RowErrors, read_upload
from vconf import clock
from vconf.auth import signed_in
from vconf.exceptions import Conflict


class DashboardFilters(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("Từ ngày"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=gettext_lazy("Đến ngày"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    district = forms.ChoiceField(label=gettext_lazy("Huyện"), required=False)

    def __init__(self, *args: Any, districts: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["district"]).choices = [("", _("Toàn tỉnh")), *districts]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("Ngày kết thúc phải sau ngày bắt đầu."))
        for name in ("start", "end"):
            if data.get(name) and not 2000 <= data[name].year <= 2100:
                self.add_error(name, _("Ngày phải trong khoảng năm 2000–2100."))
        return data


def default_province(user: User) -> str | None:
    code = payback.province_of(user)
    if code:
        return code
    return ProvinceSettings.objects.order_by("province_code").values_list("province_code", flat=True).first()


def local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def coverage_summary(province: str | None, as_of: dt.date) -> dict | None:
    """Coverage toward 100% from the Rollout report, when it is installed and has data."""
    if not province:
        return None
    try:
        from analytics.coverage import coverage_report
    except ImportError:
        return None
    try:
        report = coverage_report(province_code=province, structure=Structure.CURRENT, as_of=as_of)
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
    try:
        url = reverse("coverage-page")
    except NoReverseMatch:
        url = None
    return {"report": report, "chart": chart, "url": url}


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if not can_read_reports(request.user):
        raise PermissionDenied
    now = clock.now()
    today = timezone.localdate(now)
    province = default_province(request.user)
    districts = list(
        Unit.objects.filter(structure=Structure.LEGACY, level=Level.DISTRICT, parent__code=province)
        .order_by("name")
        .values_list("code", "name")
    )
    first_of_month = today.replace(day=1)
    defaults = {"start": (first_of_month - dt.timedelta(days=335)).replace(day=1).isoformat(), "end": today.isoformat()}
    # Always bound, so the inputs show the period on view: the last twelve months by default.
    form = DashboardFilters({**defaults, **request.GET.dict()}, districts=districts)
    status = 200
    if form.is_valid():
        start = form.cleaned_data["start"] or dt.date.fromisoformat(defaults["start"])
        end = min(form.cleaned_data["end"] or today, today)
        district = form.cleaned_data["district"] or None
    else:
        status = 400
        start, end, district = dt.date.fromisoformat(defaults["start"]), today, None
    end_moment = min(local_midnight(end + dt.timedelta(days=1)), now)
    history = savings.compute(start=None, end=end_moment, now=now, province=province)
    period = savings.narrow(history, start=local_midnight(start), district=district, user=request.user)
    totals = reports.totals(period.savings)
    monthly = savings.fill_month_labels(
        savings.labelled_rows(period, ["month"]), start.year * 100 + start.month, end.year * 100 + end.month
    )
    by_district = savings.labelled_rows(period, ["district"]).to_dict("records")
    paid = payback.compute_payback(province=province, as_of=end, computed=history)
    frame = paid["frame"]
    month_labels = [reports.month_label(int(m)) for m in frame["month"]]
    query = {"start": start.isoformat(), "end": end.isoformat(), **({"district": district} if district else {})}
    api = reverse("savings-report")
    context = {
        "form": form,
        "province": Unit.objects.filter(level=Level.PROVINCE, code=province).first() if province else None,
        "start": start,
        "end": end,
        "district": dict(districts).get(district) if district else None,
        "totals": totals,
        "by_district": by_district,
        "cost_models": savings.cost_models_used(period),
        "payback": paid,
        "savings_chart": charts.bar_chart(
            list(monthly["month"]),
            [float(v) for v in monthly["money_vnd"]],
            title=_("Chi phí tiết kiệm theo tháng (đồng)"),
            unit=_("đồng"),
        ),
        "payback_chart": charts.line_chart(
            month_labels,
            [
                charts.Series(_("Tiết kiệm lũy kế"), frame["cumulative_savings_vnd"].tolist(), charts.COLORS[2]),
                charts.Series(
                    _("Đầu tư lũy kế"), frame["cumulative_investment_vnd"].tolist(), charts.COLORS[1], dashed=True
                ),
            ],
            title=_("Tiết kiệm lũy kế so với đầu tư lũy kế"),
            unit=_("đồng"),
        )
        if len(frame)
        else None,
        "coverage": coverage_summary(province, end),
        "downloads": [
            (_("CSV theo tháng"), f"{api}?{urlencode({**query, 'group_by': 'month', 'format': 'csv'})}"),
            (_("Excel theo tháng"), f"{api}?{urlencode({**query, 'group_by': 'month', 'format': 'xlsx'})}"),
            (_("Excel theo huyện"), f"{api}?{urlencode({**query, 'group_by': 'district', 'format': 'xlsx'})}"),
            (_("Excel theo cuộc họp"), f"{api}?{urlencode({**query, 'group_by': 'meeting', 'format': 'xlsx'})}"),
            (
                _("Excel hoàn vốn"),
                f"{reverse('payback-report')}?{urlencode({'end': end.isoformat(), 'format': 'xlsx'})}",
            ),
        ],
        "is_admin": is_administrator(request.user),
    }
    return render(request, "analytics/dashboard.html", context, status=status)


class HistoryUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Tệp CSV lịch sử cuộc họp"))


@login_required
def import_history_page(request: HttpRequest) -> HttpResponse:
    if not is_administrator(request.user):
        raise PermissionDenied
    form = HistoryUploadForm(request.POST or None, request.FILES or None)
    context: dict = {"form": form, "row_errors": None}
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            result = import_history_csv(data=read_upload(form.cleaned_data["file"]), by=signed_in(request))
        except RowErrors as error:
            context["row_errors"] = error.rows
            status = 400
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(None, f"{field}: {' '.join(errors)}")
            status = 400
        except Conflict as error:
            form.add_error(None, error.detail)
            status = 409
        else:
            summary = result.as_dict()
            messages.success(
                request,
                _(
                    "Đã nhập %(meetings)s cuộc họp, %(participations)s lượt điểm cầu, %(checkins)s bản ghi điểm danh; "
                    "bỏ qua %(skipped_meetings)s cuộc họp đã có."
                )
                % summary,
            )
            return redirect("import-history")
    elif request.method == "POST":
        status = 400
    return render(request, "analytics/import_history.html", context, status=status)
