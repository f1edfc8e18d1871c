"""The forms of the office staff's booking pages: the booking form, its participants (the ticked
tree), the reschedule form and the week calendar's filters."""

from datetime import date, datetime
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth.models import User as Account
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from rooms.models import Bridge, Endpoint, Unit
from rooms.permissions import User, is_administrator
from rooms.services.booking_rules import BookingRequest
from rooms.validators import MAX_DESCRIPTION, validate_description, validate_title
from rooms.views.booking_tree import LARGE_TREE, bookable_in_scope, host_shortlist
from vconf.limits import MAX_PEOPLE
from vconf.params import ids_in

REPEATS = [
    ("", gettext_lazy("Không lặp")),
    ("weekly", gettext_lazy("Hằng tuần")),
    ("monthly", gettext_lazy("Hằng tháng, cùng ngày")),
    ("monthly_last", gettext_lazy("Hằng tháng, ngày cuối tháng")),
    ("monthly_weekday", gettext_lazy("Hằng tháng, cùng thứ (ví dụ thứ Hai đầu tiên)")),
]
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


class TimeForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Ngày"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label=gettext_lazy("Bắt đầu"), widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label=gettext_lazy("Kết thúc"), widget=forms.TimeInput(attrs={"type": "time"}))

    def interval(self) -> tuple[datetime, datetime]:
        day = self.cleaned_data["day"]
        start = timezone.make_aware(datetime.combine(day, self.cleaned_data["start_time"]))
        return start, timezone.make_aware(datetime.combine(day, self.cleaned_data["end_time"]))


def title_field(*, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=gettext_lazy("Tiêu đề"), max_length=200, required=required, validators=[validate_title]
    )


class HolidayOverride(forms.Form):
    """An administrator's "book on the day off anyway", with the reason kept on the meeting (and so
    in its audit trail); anyone else ticking it is refused with the form (400)."""

    holiday_override = forms.BooleanField(label=gettext_lazy("Vẫn đặt vào ngày nghỉ"), required=False)
    holiday_override_reason = forms.CharField(label=gettext_lazy("Lý do"), max_length=300, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("holiday_override"):
            if not is_administrator(self.user):
                raise forms.ValidationError(gettext_lazy("Chỉ quản trị được đặt lịch vào ngày nghỉ."))
            if not (data.get("holiday_override_reason") or "").strip():
                self.add_error("holiday_override_reason", gettext_lazy("Cần ghi lý do đặt vào ngày nghỉ."))
        return data

    def override_reason(self) -> str:
        data = self.cleaned_data
        return (data.get("holiday_override_reason") or "").strip() if data.get("holiday_override") else ""


class RescheduleForm(TimeForm, HolidayOverride):
    title = title_field(required=False)


class BookingForm(TimeForm, HolidayOverride):
    title = title_field()
    description = forms.CharField(
        label=gettext_lazy("Nội dung"),
        required=False,
        max_length=MAX_DESCRIPTION,
        validators=[validate_description],
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    host = forms.ModelChoiceField(label=gettext_lazy("Điểm cầu chủ trì"), queryset=Endpoint.objects.none())
    bridge = forms.ModelChoiceField(
        label=gettext_lazy("Cầu MCU"),
        queryset=Bridge.objects.all(),
        required=False,
        empty_label=gettext_lazy("Theo điểm cầu chủ trì"),
    )
    repeat = forms.ChoiceField(label=gettext_lazy("Lặp lại"), choices=REPEATS, required=False)
    count = forms.IntegerField(
        label=gettext_lazy("Số buổi"),
        min_value=2,
        max_value=settings.VCONF["SERIES_MAX_OCCURRENCES"],
        required=False,
        initial=10,
    )
    skip_conflicts = forms.BooleanField(label=gettext_lazy("Bỏ qua các buổi bị trùng lịch"), required=False)
    # trips: the delegation per site the invitation names ("Thành phần: mỗi điểm cầu N người").
    delegates_per_site = forms.IntegerField(
        label=gettext_lazy("Thành phần: mỗi điểm cầu (người)"),
        min_value=1,
        max_value=MAX_PEOPLE,
        required=False,
        help_text=gettext_lazy("Số đại biểu giấy mời triệu tập ở mỗi điểm cầu; để trống: theo định mức chi phí."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        host = cast(forms.ModelChoiceField, self.fields["host"])
        host.queryset = bookable_in_scope(user).select_related("unit").order_by("name")
        host.widget.attrs["data-host-search"] = reverse("booking-host-search")
        # Any room in scope is a valid host; a national scope lists only the halls (the search
        # box of booking.js finds the others), so the page does not carry 3,403 options.
        if host.queryset.count() > LARGE_TREE:
            chosen = ids_in([str(self["host"].value() or "")])
            shortlist = host_shortlist(user, keep=chosen)
            host.widget.choices = [("", host.empty_label or ""), *((e.pk, e.name) for e in shortlist)]

    def recurrence(self) -> str:
        repeat, count = self.cleaned_data.get("repeat"), self.cleaned_data.get("count") or 10
        day: date = self.cleaned_data["day"]
        if repeat == "weekly":
            return f"FREQ=WEEKLY;COUNT={count}"
        if repeat == "monthly":
            return f"FREQ=MONTHLY;COUNT={count}"
        if repeat == "monthly_last":
            return f"FREQ=MONTHLY;BYMONTHDAY=-1;COUNT={count}"
        if repeat == "monthly_weekday":
            return f"FREQ=MONTHLY;BYDAY=+{(day.day - 1) // 7 + 1}{WEEKDAYS[day.weekday()]};COUNT={count}"
        return ""

    def booking_request(
        self, *, organizer: Account, participants: "ParticipantsForm", group_rooms: list[Endpoint]
    ) -> BookingRequest:
        data, chosen = self.cleaned_data, participants.cleaned_data
        texts_and_places = {name: data[name] for name in ("title", "description", "host", "bridge")}
        start, end = self.interval()
        endpoints, units = [*chosen["endpoints"], *group_rooms], list(chosen["units"])
        return BookingRequest(
            organizer=organizer,
            start=start,
            end=end,
            endpoints=endpoints,
            units=units,
            delegates_per_site=data.get("delegates_per_site"),
            holiday_override_reason=self.override_reason(),
            **texts_and_places,
        )


class DelegatesForm(forms.Form):
    delegates_per_site = BookingForm.base_fields["delegates_per_site"]


class ParticipantsForm(forms.Form):
    """Endpoints and units ticked in the unit tree (a ticked unit means every endpoint below)."""

    endpoints = forms.ModelMultipleChoiceField(
        queryset=Endpoint.objects.only("pk", "name", "status", "bridge_id", "unit_id", "legacy_unit_id"),
        required=False,
    )
    units = forms.ModelMultipleChoiceField(queryset=Unit.objects.all(), required=False)

    def checked(self) -> tuple[set[int], set[int]]:
        """The ids to show ticked again when the page comes back."""
        data = getattr(self, "cleaned_data", {})
        return {e.pk for e in data.get("endpoints", ())}, {u.pk for u in data.get("units", ())}


class CalendarForm(forms.Form):
    """The week calendar's filters; a filter that does not parse is left out."""

    week = forms.DateField(required=False)
    endpoint = forms.ModelChoiceField(queryset=Endpoint.objects.all(), required=False)
    unit = forms.ModelChoiceField(queryset=Unit.objects.all(), required=False)
