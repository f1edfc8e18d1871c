"""Recurring meetings: which RRULEs vconf books, and the occurrences one generates.

A rule is expanded only up to the booking horizon, whatever UNTIL it gives, into at most
VCONF["SERIES_MAX_OCCURRENCES"] meetings, and within a budget of steps: dateutil checks UNTIL
only on a date it found, so it searches a rule that can never fire (30 February) period after
period until the year 9999 — seconds of CPU per request, minutes for an imported calendar.

A monthly meeting never lands on a Sunday: an occurrence the rule puts on a Sunday (the 15th of a
month that starts on a Monday) moves to the Monday, keeping the rule's start as its RECURRENCE-ID
so calendar clients show it moved. Moving, not skipping: a monthly briefing is wanted every month,
and Monday is the office's next day. A rule that asks for Sundays outright (BYDAY=SU) is refused.
If the Monday is a day off, the day-off rule refuses or skips it like any other occurrence.
"""

import re
import sys
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from dateutil.rrule import MONTHLY, rrule, rrulestr
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from rooms.selectors.meetings import setup_buffer

# A booking system books meetings; a rule that fires every hour or minute is a mistake.
FINER_THAN_DAILY = {"HOURLY", "MINUTELY", "SECONDLY"}
# RFC 5545: a BYDAY ordinal counts weeks within a month (±5) or a year (±53).
ORDINAL_BYDAY = re.compile(r"([+-]?\d+)[A-Z]{2}")
MAX_ORDINAL = {"MONTHLY": 5, "YEARLY": 53}
# Function calls dateutil may make while expanding one rule: 260 occurrences of any rule that
# fires at least monthly take under 2,500; the budget ends a fruitless search in about 0.02 s.
STEP_BUDGET = 5_000
# What dateutil raises for a rule it cannot read or expand (IndexError: BYDAY=+999MO).
SUNDAY = 6
RULE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, OverflowError, IndexError)


@dataclass
class Rule:
    rule: rrule  # without COUNT and ending by the horizon, so iterating it always ends soon
    count: int | None  # the rule's own COUNT, applied while expanding
    text: str  # the RRULE as given (normalised), stored on the series
    # Occurrences moved off a Sunday: the start booked -> the start the rule gives.
    moved: dict[datetime, datetime] = field(default_factory=dict)


def invalid(message: str) -> ValidationError:
    return ValidationError({"recurrence": [message]})


def horizon(now: datetime) -> datetime:
    return now + timedelta(days=settings.VCONF["BOOKING_HORIZON_DAYS"])


def rule_parts(text: str) -> tuple[str, dict[str, str]]:
    """The rule normalised, and its parts; 400 for what is not one daily-or-coarser RRULE."""
    raw = (text or "").strip().upper()
    if raw.startswith("RRULE:"):
        raw = raw[len("RRULE:") :]
    if not raw or "\n" in raw or ":" in raw:
        raise invalid(_("Cần một quy tắc RRULE, ví dụ FREQ=WEEKLY;BYDAY=MO;COUNT=10."))
    parts = dict(part.partition("=")[::2] for part in raw.split(";") if part)
    if "FREQ" not in parts:
        raise invalid(_("Thiếu FREQ trong quy tắc lặp."))
    # The time of day comes from the meeting's start: a rule firing more than once a day books
    # meetings on top of each other.
    if parts["FREQ"] in FINER_THAN_DAILY or {"BYHOUR", "BYMINUTE", "BYSECOND"} & parts.keys():
        raise invalid(_("Chỉ lặp theo ngày, tuần, tháng hoặc năm, mỗi ngày tối đa một buổi."))
    for key in ("INTERVAL", "COUNT"):
        if key in parts and not (parts[key].isdecimal() and 1 <= int(parts[key]) <= 10000):
            raise invalid(_("%(key)s phải là số nguyên dương.") % {"key": key})
    if parts["FREQ"] == "MONTHLY" and "SU" in parts.get("BYDAY", ""):
        raise invalid(_("Cuộc họp hằng tháng không tổ chức vào Chủ nhật."))
    limit = MAX_ORDINAL.get(parts["FREQ"], 0)
    for ordinal in ORDINAL_BYDAY.findall(parts.get("BYDAY", "")):
        if not 1 <= abs(int(ordinal)) <= limit:
            raise invalid(_("BYDAY có số thứ tự %(n)s ngoài phạm vi.") % {"n": ordinal})
    return raw, parts


def parse_rule(text: str, *, start: datetime, now: datetime) -> Rule:
    """The rule as dateutil reads it, anchored at the first meeting's local start. 400 naming
    `recurrence` for anything it cannot use."""
    raw, parts = rule_parts(text)
    count = int(parts.pop("COUNT")) if "COUNT" in parts else None
    # One day past the horizon: the last occurrence may start before it and end after it.
    limit = horizon(now) + timedelta(days=1)
    parts.setdefault("UNTIL", limit.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ"))
    try:
        rule = rrulestr(";".join(f"{k}={v}" for k, v in parts.items()), dtstart=timezone.localtime(start))
        if not isinstance(rule, rrule):
            raise invalid(_("Chỉ dùng một quy tắc RRULE."))
        # No search goes past the horizon, whatever UNTIL says (dateutil keeps it only as _until).
        if rule._until > limit:
            rule = rule.replace(until=limit)
    except RULE_ERRORS as error:
        raise invalid(_("Quy tắc lặp không hợp lệ: %(error)s") % {"error": error}) from None
    return Rule(rule=rule, count=count, text=raw)


class OverBudget(Exception):
    pass


@contextmanager
def step_budget(steps: int) -> Iterator[None]:
    """Abort the code inside after `steps` function calls. dateutil gives no way to stop its
    search, so it is counted with a trace function; this thread only, the previous one restored."""
    left = steps

    def count(frame: object, event: str, arg: object) -> None:
        nonlocal left
        left -= 1
        if left < 0:
            raise OverBudget

    previous = sys.gettrace()
    sys.settrace(count)
    try:
        yield
    finally:
        sys.settrace(previous)


def expand(rule: Rule, *, start: datetime, end: datetime, now: datetime) -> list[tuple[datetime, datetime]]:
    """The occurrences [start, end) the rule generates, those that end within the horizon, at
    most COUNT and VCONF["SERIES_MAX_OCCURRENCES"] of them."""
    duration = end - start
    limit = horizon(now)
    cap = min(settings.VCONF["SERIES_MAX_OCCURRENCES"], rule.count or 10**6)
    slots: list[tuple[datetime, datetime]] = []
    buffer = setup_buffer()
    try:
        with step_budget(STEP_BUDGET):
            for generated in rule.rule:
                occurrence = off_sunday(rule, generated)
                if occurrence + duration > limit or len(slots) >= cap:
                    break
                if slots and occurrence < slots[-1][1] + buffer:
                    raise invalid(_("Các buổi họp của chuỗi chồng lên nhau."))
                slots.append((occurrence, occurrence + duration))
    except RULE_ERRORS as error:
        raise invalid(_("Quy tắc lặp không hợp lệ: %(error)s") % {"error": error}) from None
    except OverBudget:
        if not slots:
            raise invalid(_("Quy tắc lặp không sinh ra buổi họp nào trong thời hạn đặt lịch.")) from None
    return slots


def off_sunday(rule: Rule, occurrence: datetime) -> datetime:
    """A monthly occurrence on a Sunday moves to the Monday (see the module's docstring)."""
    if rule.rule._freq != MONTHLY or occurrence.weekday() != SUNDAY:
        return occurrence
    moved = occurrence + timedelta(days=1)
    rule.moved[moved] = occurrence
    return moved


def occurrences(
    rule: str, *, start: datetime, end: datetime, now: datetime, exclude: Collection[datetime]
) -> tuple[Rule | None, list[tuple[datetime, datetime]]]:
    """The meetings a booking asks for: one, or those `rule` generates less the `exclude`d starts."""
    if not rule:
        return None, [(start, end)]
    parsed = parse_rule(rule, start=start, now=now)
    excluded = {e.astimezone(start.tzinfo) for e in exclude}
    slots = [s for s in expand(parsed, start=start, end=end, now=now) if parsed.moved.get(s[0], s[0]) not in excluded]
    if not slots:
        raise invalid(_("Quy tắc lặp không sinh ra buổi họp nào trong thời hạn đặt lịch."))
    return parsed, slots
