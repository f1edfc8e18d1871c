"""The leaders' dashboard (/bao-cao/) and the history upload page for administrators."""

import datetime as dt
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.dashboard import dashboard_data, default_province, legacy_districts
from analytics.history import import_history_csv
from rooms.permissions import can_read_reports, is_administrator
from rooms.services.csv_files import RowErrors, read_upload
from vconf import clock
from vconf.auth import signed_in
from vconf.exceptions import Conflict, validation_messages
from vconf.limits import MAX_YEAR, MIN_YEAR


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
            if data.get(name) and not MIN_YEAR <= data[name].year <= MAX_YEAR:
                self.add_error(name, _("Ngày phải trong khoảng năm %(lo)s–%(hi)s.") % {"lo": MIN_YEAR, "hi": MAX_YEAR})
        return data


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if not can_read_reports(request.user):
        raise PermissionDenied
    today = timezone.localdate(clock.now())
    province = default_province(request.user)
    districts = legacy_districts(province)
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
    context = {
        **dashboard_data(user=request.user, province=province, start=start, end=end, district=district),
        "form": form,
        "district": dict(districts).get(district) if district else None,
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
            for field, errors in validation_messages(error).items():
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
