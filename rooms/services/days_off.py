"""The calendar of days off: which days meetings may start on, and which count as working days.

Vietnam's public holidays come from the `holidays` package (Labour Code 2019 Art. 112: New Year,
Tết, Hùng Kings' day, 30 April, 1 May, 2 September with its adjacent day, and the days the
Government moves to bridge them). On top, DayOff rows: a province's own days off (blank
province: everywhere) and the Government's make-up working Saturdays. A make-up working day
wins over a day off on the same date: it is the Government's later decision.

The booking rules refuse a start on a day off (409 `{"holiday": date, "name"}`) unless an
administrator gives a reason; series skip such days with `skip_conflicts`; the free-slot search
and the request lead time count working days with the same calendar.
"""

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

import holidays
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from rooms.models import DayOff, DayOffKind, Endpoint, Meeting, Unit
from rooms.permissions import is_administrator
from rooms.selectors.provinces import province_code_of_unit

if TYPE_CHECKING:
    from rooms.services.booking_rules import BookingRequest


class Conflicts(Protocol):
    def conflicts(self, start: datetime, end: datetime) -> list[dict]: ...


@lru_cache(maxsize=64)
def public_holidays(year: int) -> dict[date, str]:
    """Vietnam's public holidays of a year, named in Vietnamese."""
    return dict(holidays.Vietnam(years=year, language="vi").items())


# The package names a day off moved to bridge a holiday "Ngày nghỉ (thay cho ngày 22/08/2026)":
# the day it names is the make-up working day.
SWAPPED_FROM = re.compile(r"thay cho ngày (\d{2})/(\d{2})/(\d{4})")


@lru_cache(maxsize=64)
def make_up_days(year: int) -> dict[date, str]:
    """The make-up working days the holiday calendar implies for the days off of `year`."""
    found = {}
    for day, name in public_holidays(year).items():
        if match := SWAPPED_FROM.search(name):
            worked = date(int(match[3]), int(match[2]), int(match[1]))
            found[worked] = _("Làm bù cho ngày nghỉ %(day)s") % {"day": day.strftime("%d/%m/%Y")}
    return found


def province_code_of(unit: Unit | None) -> str:
    """The code of the province a unit lies in ("" for the country or no unit)."""
    return province_code_of_unit(unit)


def endpoint_province(endpoint: Endpoint) -> str:
    unit = Unit.objects.select_related("parent", "parent__parent").get(pk=endpoint.unit_id)
    return province_code_of(unit)


class Calendar:
    """Days off and make-up working days over a range, for the country and some provinces
    (a meeting joining several provinces stops on any of their days off), read once."""

    def __init__(self, first: date, last: date, provinces: Iterable[str] = ()) -> None:
        self.off: dict[date, str] = {}
        for year in range(first.year, last.year + 1):
            self.off.update({d: n for d, n in public_holidays(year).items() if first <= d <= last})
        self.working: dict[date, str] = {}
        for year in range(first.year, last.year + 1):
            self.working.update({d: n for d, n in make_up_days(year).items() if first <= d <= last})
        rows = DayOff.objects.filter(date__gte=first, date__lte=last, province_code__in=["", *provinces])
        for day, name, kind in rows.order_by("date", "province_code").values_list("date", "name", "kind"):
            # What was entered wins over what the package implies.
            if kind == DayOffKind.WORKING_DAY:
                self.working[day] = name
            else:
                self.off[day] = name
                self.working.pop(day, None)
        for day in self.working:
            self.off.pop(day, None)

    def day_off(self, day: date) -> str | None:
        """The name of the day off, or None when meetings may be held that day."""
        return self.off.get(day)

    def is_working_day(self, day: date) -> bool:
        if day in self.working:
            return True
        return day.weekday() in settings.VCONF["WORKING_DAYS"] and day not in self.off


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def holiday_conflicts(
    slots: Collection[tuple[datetime, datetime]], *, provinces: Iterable[str]
) -> dict[datetime, list[dict]]:
    """For each slot starting on a day off: the 409 entry `{"holiday": date, "name"}`."""
    if not slots:
        return {}
    days = [local_day(start) for start, _end in slots]
    calendar = Calendar(min(days), max(days), provinces)
    found = {}
    for (start, _end), day in zip(slots, days, strict=True):
        if (name := calendar.day_off(day)) is not None:
            found[start] = [{"holiday": day.isoformat(), "name": name}]
    return found


def booking_refusals(
    slots: Collection[tuple[datetime, datetime]],
    *,
    endpoints: Iterable[Endpoint],
    actor: User,
    override_reason: str = "",
) -> dict[datetime, list[dict]]:
    """The day-off conflicts of a booking, by slot start; none when an administrator overrides
    them with a reason (kept on the meeting, so the audit trail records it)."""
    if override_reason.strip():
        if not is_administrator(actor):
            raise PermissionDenied(_("Chỉ quản trị được đặt lịch vào ngày nghỉ."))
        return {}
    if not day_off_possible(slots):
        # Most days are working days everywhere: the rooms' provinces need not be read.
        return {}
    return holiday_conflicts(slots, provinces=provinces_of(endpoints))


def override_reason_of(actor: User, reason: str) -> str:
    """An administrator's reason to move a meeting onto a day off (kept on the meeting, so its
    audit trail records it); anyone else giving one is refused."""
    if reason.strip() and not is_administrator(actor):
        raise PermissionDenied(_("Chỉ quản trị được đặt lịch vào ngày nghỉ."))
    return reason.strip()


def day_off_possible(slots: Collection[tuple[datetime, datetime]]) -> bool:
    """Whether some slot starts on a public holiday or on a day off entered for the country or
    some province (one query; a make-up working day only takes days off away)."""
    days = {local_day(start) for start, _end in slots}
    if any(day in public_holidays(day.year) for day in days):
        return True
    return bool(days) and DayOff.objects.filter(date__in=days).exclude(kind=DayOffKind.WORKING_DAY).exists()


class Checker:
    """A booking's conflict checker with the day-off conflicts added, by slot start."""

    def __init__(self, inner: "Conflicts", off: Mapping[datetime, list[dict]]) -> None:
        self.inner, self.off = inner, off

    def conflicts(self, start: datetime, end: datetime) -> list[dict]:
        return [*self.off.get(start, []), *self.inner.conflicts(start, end)]


def checking_days_off(
    make_checker: "Callable[[], Conflicts]",
    slots: Collection[tuple[datetime, datetime]],
    request: "BookingRequest",
    endpoints: Iterable[Endpoint],
) -> "Callable[[], Checker]":
    """The booking rules' checker factory, refusing starts on a day off as conflicts too."""
    off = booking_refusals(
        slots, endpoints=endpoints, actor=request.organizer, override_reason=request.holiday_override_reason
    )
    return lambda: Checker(make_checker(), off)


def moved_onto_day_off(meeting: Meeting, start: datetime, endpoints: Iterable[Endpoint]) -> list[dict]:
    """A change that moves a meeting's start onto a day off is refused like a booking (a meeting
    an administrator booked there with a reason may keep its day)."""
    if start == meeting.start or meeting.holiday_override_reason:
        return []
    return holiday_conflicts([(start, start)], provinces=provinces_of(endpoints)).get(start, [])


def provinces_of(endpoints: Iterable[Endpoint]) -> set[str]:
    unit_ids = {e.unit_id for e in endpoints}
    units = Unit.objects.filter(pk__in=unit_ids).select_related("parent", "parent__parent")
    return {code for unit in units if (code := province_code_of(unit))}


def add_working_days(day: date, count: int, *, province: str = "") -> date:
    """The `count`-th working day after `day` (holidays and make-up days counted)."""
    calendar = Calendar(day, day + timedelta(days=count * 3 + 30), [province] if province else [])
    while count > 0:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            count -= 1
    return day


def working_days_between(first: date, last: date, *, province: str = "") -> int:
    """Working days in [first, last]."""
    if last < first:
        return 0
    calendar = Calendar(first, last, [province] if province else [])
    return sum(calendar.is_working_day(first + timedelta(days=n)) for n in range((last - first).days + 1))


def year_days(year: int, *, province: str = "") -> list[dict]:
    """Every day off and make-up working day of a year, as GET /api/holidays/ lists them."""
    public = public_holidays(year)
    rows = DayOff.objects.filter(date__year=year)
    if province:
        rows = rows.filter(province_code__in=["", province])
    listed = [
        {"date": d.isoformat(), "name": n, "kind": DayOffKind.DAY_OFF.value, "province": "", "source": "law"}
        for d, n in public.items()
    ]
    listed += [
        {"date": d.isoformat(), "name": n, "kind": DayOffKind.WORKING_DAY.value, "province": "", "source": "law"}
        for d, n in make_up_days(year).items()
    ]
    listed += [
        {"date": r.date.isoformat(), "name": r.name, "kind": r.kind, "province": r.province_code, "source": "entered"}
        for r in rows
    ]
    return sorted(listed, key=lambda row: (row["date"], row["province"], row["source"]))


def add_day(*, actor: User, day: date, name: str, kind: str, province_code: str = "") -> DayOff:
    """An administrator enters a province's day off or a make-up working day."""
    if not is_administrator(actor):
        raise PermissionDenied(_("Chỉ quản trị được khai báo ngày nghỉ."))
    if DayOff.objects.filter(date=day, province_code=province_code).exists():
        raise ValidationError({"date": [_("Ngày này đã được khai báo.")]})
    row = DayOff(date=day, name=name.strip(), kind=kind, province_code=province_code.strip())
    row.full_clean()
    row.save()
    return row
