"""Free-slot search across many endpoints: when could all of them meet together?

The answer is a list of maximal free intervals (not slot starts), each at least `duration`
long, inside working hours (VCONF["WORKING_HOURS"] on VCONF["WORKING_DAYS"], local time), not
in the past and not beyond the booking horizon. A meeting fits anywhere inside one of them:
the setup buffer is already accounted for on both sides of every existing booking.
"""

from collections.abc import Collection, Iterator
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from rooms.models import Endpoint, Participation
from rooms.selectors.meetings import setup_buffer
from rooms.services import days_off

Interval = tuple[datetime, datetime]


def working_hours() -> tuple[time, time]:
    opens, closes = settings.VCONF["WORKING_HOURS"].split("-")
    return time.fromisoformat(opens.strip()), time.fromisoformat(closes.strip())


def days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def working_windows(start: datetime, end: datetime, provinces: Collection[str] = ()) -> list[Interval]:
    """The working-hour stretches of [start, end), as aware datetimes, on the working days of
    the days-off calendar (public holidays and these provinces' days off out, make-up days in)."""
    opens, closes = working_hours()
    first, last = timezone.localtime(start).date(), timezone.localtime(end).date()
    calendar = days_off.Calendar(first, last, provinces)
    windows = []
    for day in days(first, last):
        if not calendar.is_working_day(day):
            continue
        lo = max(start, timezone.make_aware(datetime.combine(day, opens)))
        hi = min(end, timezone.make_aware(datetime.combine(day, closes)))
        if lo < hi:
            windows.append((lo, hi))
    return windows


def merged(intervals: list[Interval]) -> list[Interval]:
    result: list[Interval] = []
    for lo, hi in sorted(intervals):
        if result and lo <= result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], hi))
        else:
            result.append((lo, hi))
    return result


def subtract(windows: list[Interval], busy: list[Interval]) -> list[Interval]:
    """`windows` minus the (merged, sorted) `busy` intervals."""
    free: list[Interval] = []
    for lo, hi in windows:
        cursor = lo
        for b_lo, b_hi in busy:
            if b_hi <= cursor or b_lo >= hi:
                continue
            if b_lo > cursor:
                free.append((cursor, b_lo))
            cursor = max(cursor, b_hi)
            if cursor >= hi:
                break
        if cursor < hi:
            free.append((cursor, hi))
    return free


def free_slots(
    *, endpoint_ids: Collection[int], start: datetime, end: datetime, duration: timedelta, now: datetime
) -> list[Interval]:
    """Maximal intervals in which every one of these endpoints is free for a meeting of at
    least `duration`: a booking [s, e) blocks [s - buffer, e + buffer) for a new meeting, since
    the new one needs its own test call before it and must not eat into the next one's."""
    lo = max(start, now)
    hi = min(end, now + timedelta(days=settings.VCONF["BOOKING_HORIZON_DAYS"]))
    if lo >= hi:
        return []
    buffer = setup_buffer()
    rows = (
        Participation.objects.filter(
            endpoint_id__in=endpoint_ids, active=True, start__lt=hi + buffer, end__gt=lo - buffer
        )
        .values_list("start", "end")
        .distinct()
    )
    busy = merged([(s - buffer, e + buffer) for s, e in rows])
    provinces = days_off.provinces_of(Endpoint.objects.filter(pk__in=endpoint_ids).only("unit_id"))
    return [(s, e) for s, e in subtract(working_windows(lo, hi, provinces), busy) if e - s >= duration]
