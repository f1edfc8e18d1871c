"""Recurring meetings: an RRULE expands into ordinary meetings up to the booking horizon; one
occurrence, or it and all that follow, can then be moved or cancelled."""

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from dateutil.rrule import rrule, rrulestr
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rooms import ical
from rooms.models import Bridge, Endpoint, Meeting, MeetingStatus, Series, Unit
from rooms.selectors.meetings import iso, resolve_unit_codes, setup_buffer
from rooms.services import booking
from rooms.services.booking import KEEP, _Keep
from vconf import clock
from vconf.exceptions import Conflict

# A booking system books meetings; a rule that fires every hour or minute is a mistake.
FINER_THAN_DAILY = {"HOURLY", "MINUTELY", "SECONDLY"}


@dataclass
class SeriesResult:
    series: Series | None
    meetings: list[Meeting]
    skipped: list[dict] = field(default_factory=list)


@dataclass
class Rule:
    rule: rrule  # without COUNT and bounded by UNTIL, so iterating it always ends soon
    count: int | None  # the rule's own COUNT, applied while expanding
    text: str  # the RRULE as given (normalised), stored on the series


def invalid(message: str) -> ValidationError:
    return ValidationError({"recurrence": [message]})


def parse_rule(text: str, *, start: datetime, now: datetime) -> Rule:
    """The rule as dateutil reads it, anchored at the first meeting's local start. 400 naming
    `recurrence` for anything it cannot use."""
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
        if key in parts and not (parts[key].isdigit() and 1 <= int(parts[key]) <= 10000):
            raise invalid(_("%(key)s phải là số nguyên dương.") % {"key": key})
    count = int(parts.pop("COUNT")) if "COUNT" in parts else None
    # Bounded by the horizon: an impossible rule (30 February) would otherwise be searched for
    # until the year 9999.
    if "UNTIL" not in parts:
        limit = now + timedelta(days=settings.VCONF["BOOKING_HORIZON_DAYS"] + 1)
        parts["UNTIL"] = limit.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    try:
        rule = rrulestr(";".join(f"{k}={v}" for k, v in parts.items()), dtstart=timezone.localtime(start))
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as error:
        raise invalid(_("Quy tắc lặp không hợp lệ: %(error)s") % {"error": error}) from None
    if not isinstance(rule, rrule):
        raise invalid(_("Chỉ dùng một quy tắc RRULE."))
    return Rule(rule=rule, count=count, text=raw)


def expand(rule: Rule, *, start: datetime, end: datetime, now: datetime) -> list[tuple[datetime, datetime]]:
    """The occurrences [start, end) the rule generates, those that end within the horizon, at
    most COUNT and VCONF["SERIES_MAX_OCCURRENCES"] of them."""
    duration = end - start
    limit = now + timedelta(days=settings.VCONF["BOOKING_HORIZON_DAYS"])
    cap = min(settings.VCONF["SERIES_MAX_OCCURRENCES"], rule.count or 10**6)
    slots: list[tuple[datetime, datetime]] = []
    try:
        for occurrence in rule.rule:
            if occurrence + duration > limit or len(slots) >= cap:
                break
            if slots and occurrence < slots[-1][1] + setup_buffer():
                raise invalid(_("Các buổi họp của chuỗi chồng lên nhau."))
            slots.append((occurrence, occurrence + duration))
    except (ValueError, OverflowError) as error:
        raise invalid(_("Quy tắc lặp không hợp lệ: %(error)s") % {"error": error}) from None
    return slots


def book_series(
    *,
    organizer: User,
    title: str,
    start: datetime,
    end: datetime,
    host: Endpoint,
    recurrence: str,
    endpoints: Collection[Endpoint] = (),
    units: Collection[Unit] = (),
    bridge: Bridge | None = None,
    description: str = "",
    skip_conflicts: bool = False,
    preview: bool = False,
    uid: str | None = None,
    exclude: Collection[datetime] = (),
    notify: bool = True,
) -> SeriesResult:
    """Book every occurrence of a rule, all or none; with `skip_conflicts` book those that are
    free and report the others. `preview` runs every check and writes nothing. `exclude` drops
    occurrences starting at those times (an imported EXDATE)."""
    booking.require_booker(organizer)
    start, end = booking.aware(start), booking.aware(end)
    now = clock.now()
    booking.check_times(start=start, end=end, now=now)
    rule = parse_rule(recurrence, start=start, now=now)
    excluded = {e.astimezone(start.tzinfo) for e in exclude}
    slots = [slot for slot in expand(rule, start=start, end=end, now=now) if slot[0] not in excluded]
    if not slots:
        raise ValidationError({"recurrence": [_("Quy tắc lặp không sinh ra buổi họp nào trong thời hạn đặt lịch.")]})
    plan = booking.plan_booking(
        organizer=organizer,
        title=title,
        host=host,
        endpoints=endpoints,
        units=units,
        bridge=bridge,
        description=description,
    )
    with booking.database_conflicts_as_409(), transaction.atomic():
        booking.lock_for_booking(bridge_ids=[plan.bridge.pk] if plan.bridge else [], endpoint_ids=plan.endpoint_ids)
        checker = booking.conflict_checker(plan, slots[0][0], slots[-1][1])
        free, skipped, every_conflict = [], [], []
        for slot_start, slot_end in slots:
            conflicts = checker.conflicts(slot_start, slot_end)
            if conflicts:
                skipped.append({"start": iso(slot_start), "end": iso(slot_end), "conflicts": conflicts})
                every_conflict += [{**c, "occurrence": iso(slot_start)} for c in conflicts]
            else:
                free.append((slot_start, slot_end))
        if every_conflict and (not skip_conflicts or not free):
            raise Conflict(_("Không thể đặt lịch: một số buổi họp bị trùng lịch hoặc thiếu cổng cầu."), every_conflict)
        if preview:
            unsaved = [
                Meeting(title=title, host=host, bridge=plan.bridge, start=s, end=e, organizer=organizer)
                for s, e in free
            ]
            return SeriesResult(series=None, meetings=unsaved, skipped=skipped)
        series = Series(title=title, rrule=rule.text, organizer=organizer)
        if uid:
            series.uid = uid
        series.full_clean(exclude=["organizer"])
        series.save()
        meetings = [booking.create_meeting(plan, start=s, end=e, series_id=series.pk, recurrence_id=s) for s, e in free]
        booking.after_write(
            meeting_ids=[m.pk for m in meetings], endpoint_ids=plan.endpoint_ids, kind="invitation", notify=notify
        )
    return SeriesResult(series=series, meetings=meetings, skipped=skipped)


def this_and_following(meeting: Meeting) -> list[Meeting]:
    """The meeting and the later scheduled occurrences of its series (just it, if none)."""
    if meeting.series_id is None:
        return [meeting]
    later = Meeting.objects.filter(
        series_id=meeting.series_id, start__gt=meeting.start, status=MeetingStatus.SCHEDULED
    ).exclude(pk=meeting.pk)
    return [meeting, *later.select_related("host", "bridge", "organizer").order_by("start", "pk")]


def cancel_following(*, meeting: Meeting, actor: User, notify: bool = True) -> list[Meeting]:
    """Cancel this occurrence and every later one of its series, all or none."""
    with booking.database_conflicts_as_409(), transaction.atomic():
        targets = this_and_following(meeting)
        booking.lock_meetings([m.pk for m in targets])
        targets = [Meeting.objects.get(pk=m.pk) for m in targets]
        now = clock.now()
        touched: set[int] = set()
        for target in targets:
            touched.update(booking.mark_cancelled(target, actor=actor, now=now))
        booking.after_write(
            meeting_ids=[m.pk for m in targets], endpoint_ids=touched, kind="cancellation", notify=notify
        )
    return targets


def reschedule_following(
    *,
    meeting: Meeting,
    actor: User,
    start: datetime | None = None,
    end: datetime | None = None,
    endpoints: Collection[Endpoint] | None = None,
    units: Collection[Unit] | None = None,
    title: str | None = None,
    description: str | None = None,
    bridge: "Bridge | None | _Keep" = KEEP,
    notify: bool = True,
) -> list[Meeting]:
    """Apply one change to this occurrence and every later one: a new start shifts each of them
    by the same amount, a new end sets the same duration. All or none; 409 lists every conflict."""
    with booking.database_conflicts_as_409(), transaction.atomic():
        targets = this_and_following(meeting)
        booking.lock_meetings([m.pk for m in targets])
        targets = [Meeting.objects.select_related("host", "bridge", "organizer").get(pk=m.pk) for m in targets]
        anchor = targets[0]
        new_start = booking.aware(start) if start is not None else anchor.start
        new_end = booking.aware(end) if end is not None else new_start + (anchor.end - anchor.start)
        shift, duration = new_start - anchor.start, new_end - new_start
        moving = start is not None or end is not None
        # Move the last first when moving later (the first first when earlier), so no occurrence
        # ever lands on another's old place and trips the database's no-overlap guard.
        ordered = sorted(targets, key=lambda m: m.start, reverse=shift > timedelta(0))
        ids = [m.pk for m in targets]
        now = clock.now()
        every_conflict: list[dict] = []
        touched: set[int] = set()
        removed: dict[int, list[int]] = {}
        for target in ordered:
            occurrence_start = target.start + shift
            try:
                with transaction.atomic():
                    change = booking.apply_change(
                        target,
                        actor=actor,
                        now=now,
                        start=occurrence_start if moving else None,
                        end=occurrence_start + duration if moving else None,
                        endpoints=endpoints,
                        units=units,
                        title=title,
                        description=description,
                        bridge=bridge,
                        exclude_meeting_ids=ids,
                    )
            except Conflict as conflict:
                if not conflict.conflicts:
                    raise
                every_conflict += [{**c, "occurrence": iso(occurrence_start)} for c in conflict.conflicts]
                continue
            if change is not None:
                touched |= change.touched
                if change.removed:
                    removed[target.pk] = change.removed
        if every_conflict:
            raise Conflict(_("Không thể dời lịch: một số buổi họp bị trùng lịch hoặc thiếu cổng cầu."), every_conflict)
        if touched:
            booking.after_write(meeting_ids=ids, endpoint_ids=touched, kind="change", notify=notify, removed=removed)
    return sorted(targets, key=lambda m: m.start)


# ---------------------------------------------------------------------------------- import

MAX_IMPORT_EVENTS = 500


def import_calendar(*, organizer: User, data: bytes, skip_conflicts: bool = False) -> dict:
    """Book every VEVENT of an uploaded calendar under the same rules, each on its own (one
    refused event does not undo the others). Returns {"booked": [...], "refused": [...]}.

    Who takes part: X-VCONF-HOST (endpoint id), X-VCONF-ENDPOINTS (ids), X-VCONF-UNITS (unit
    codes), X-VCONF-BRIDGE (id) when present — vconf's own invitations carry them; otherwise the
    host is the endpoint named by LOCATION and the participants are the endpoints whose operators'
    e-mail addresses are the ATTENDEEs."""
    booking.require_booker(organizer)
    try:
        events = ical.read_calendar(data)
    except (ValueError, IndexError, KeyError, TypeError) as error:
        raise ValidationError({"file": [_("Không đọc được tệp iCalendar: %(error)s") % {"error": error}]}) from None
    if not events:
        raise ValidationError({"file": [_("Tệp không có sự kiện (VEVENT) nào.")]})
    if len(events) > MAX_IMPORT_EVENTS:
        raise ValidationError({"file": [_("Tối đa %(n)s sự kiện mỗi lần nhập.") % {"n": MAX_IMPORT_EVENTS}]})
    booked, refused = [], []
    for event in events:
        summary = {"uid": event.uid, "summary": event.summary}
        try:
            booked.append({**summary, **import_event(event, organizer=organizer, skip_conflicts=skip_conflicts)})
        except ValidationError as error:
            refused.append(
                {
                    **summary,
                    "status": 400,
                    "detail": _("Dữ liệu không hợp lệ."),
                    "errors": error.message_dict
                    if hasattr(error, "error_dict")
                    else {"non_field_errors": error.messages},
                }
            )
        except booking.NotAllowed as error:
            refused.append({**summary, "status": 403, "detail": str(error.detail)})
        except Conflict as error:
            refused.append({**summary, "status": 409, "detail": error.detail, "conflicts": error.conflicts})
    return {"booked": booked, "refused": refused}


def import_event(event: ical.ImportedEvent, *, organizer: User, skip_conflicts: bool) -> dict:
    if event.problems:
        raise ValidationError(event.problems)
    if not event.summary:
        raise ValidationError({"title": [_("Thiếu SUMMARY (tiêu đề).")]})
    uid = event.uid if event.uid and len(event.uid) <= 120 else None
    if uid and (Meeting.objects.filter(uid=uid).exists() or Series.objects.filter(uid=uid).exists()):
        raise Conflict(_("Sự kiện này (UID) đã được nhập trước đây."))
    host = imported_host(event)
    endpoints = list(Endpoint.objects.filter(pk__in=event.endpoint_ids))
    missing = sorted(set(event.endpoint_ids) - {e.pk for e in endpoints})
    if missing:
        raise ValidationError({"endpoints": [_("Không có điểm cầu mã %(ids)s.") % {"ids": missing}]})
    if not event.endpoint_ids and event.attendee_emails:
        endpoints = list(
            Endpoint.objects.filter(operators__email__in=event.attendee_emails).exclude(pk=host.pk).distinct()
        )
    units, unknown = resolve_unit_codes(event.unit_codes)
    if unknown:
        raise ValidationError({"units": [_("Không có đơn vị mã %(codes)s.") % {"codes": ", ".join(unknown)}]})
    bridge = Bridge.objects.filter(pk=event.bridge_id).first() if event.bridge_id else None
    if event.bridge_id and bridge is None:
        raise ValidationError({"bridge": [_("Không có cầu MCU mã %(id)s.") % {"id": event.bridge_id}]})
    common: dict[str, Any] = {
        "organizer": organizer,
        "title": event.summary[:200],
        "description": event.description,
        "start": event.start,
        "end": event.end,
        "host": host,
        "endpoints": endpoints,
        "units": units,
        "bridge": bridge,
        "uid": uid,
    }
    if event.rrule:
        result = book_series(**common, recurrence=event.rrule, skip_conflicts=skip_conflicts, exclude=event.exdates)
        return {
            "series": result.series.pk if result.series else None,
            "meetings": [m.pk for m in result.meetings],
            "skipped": result.skipped,
        }
    meeting = booking.book_meeting(**common)
    return {"series": None, "meetings": [meeting.pk], "skipped": []}


def imported_host(event: ical.ImportedEvent) -> Endpoint:
    if event.host_id is not None:
        host = Endpoint.objects.filter(pk=event.host_id).first()
        if host is None:
            raise ValidationError({"host": [_("Không có điểm cầu mã %(id)s.") % {"id": event.host_id}]})
        return host
    if not event.location:
        raise ValidationError({"host": [_("Cần X-VCONF-HOST hoặc LOCATION là tên điểm cầu chủ trì.")]})
    matches = list(Endpoint.objects.filter(name__iexact=event.location)[:2])
    if len(matches) != 1:
        message = _("LOCATION “%(name)s” không khớp đúng một điểm cầu.") % {"name": event.location}
        raise ValidationError({"host": [message]})
    return matches[0]
