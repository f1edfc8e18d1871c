"""Recurring meetings: an RRULE expands into ordinary meetings up to the booking horizon
(booking_recurrence.py); one occurrence, or it and all that follow, can then be moved or
cancelled. Also the import of an uploaded calendar, whose events book the same way."""

from datetime import timedelta
from typing import Unpack

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from rooms import ical
from rooms.models import Bridge, Endpoint, Meeting, MeetingStatus, Series
from rooms.selectors.meetings import iso, resolve_unit_codes
from rooms.services import booking
from rooms.services.booking_rules import (
    BookingRequest,
    after_write,
    book,
    database_conflicts_as_409,
    lock_meetings,
    require_booker,
)
from rooms.services.booking_times import new_interval
from rooms.validators import MAX_DESCRIPTION, validate_description, validate_title
from vconf import clock
from vconf.exceptions import Conflict, validation_messages


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
    require_booker(actor)
    with database_conflicts_as_409(), transaction.atomic():
        targets = this_and_following(meeting)
        lock_meetings([m.pk for m in targets])
        targets = [Meeting.objects.get(pk=m.pk) for m in targets]
        now = clock.now()
        touched: set[int] = set()
        for target in targets:
            touched.update(booking.mark_cancelled(target, actor=actor, now=now))
        after_write(meeting_ids=[m.pk for m in targets], endpoint_ids=touched, kind="cancellation", notify=notify)
    return targets


def reschedule_following(
    *, meeting: Meeting, actor: User, notify: bool = True, **changes: Unpack[booking.Changes]
) -> list[Meeting]:
    """Apply one change to this occurrence and every later one: a new start shifts each of them
    by the same amount, a new end sets the same duration. All or none; 409 lists every conflict."""
    require_booker(actor)
    with database_conflicts_as_409(), transaction.atomic():
        targets = this_and_following(meeting)
        lock_meetings([m.pk for m in targets])
        targets = [Meeting.objects.select_related("host", "bridge", "organizer").get(pk=m.pk) for m in targets]
        anchor = targets[0]
        moving = changes.get("start") is not None or changes.get("end") is not None
        new_start, new_end = new_interval(
            start=changes.get("start"), end=changes.get("end"), current=(anchor.start, anchor.end)
        )
        shift, duration = new_start - anchor.start, new_end - new_start
        # Move the last first when moving later (the first first when earlier), so no occurrence
        # ever lands on another's old place and trips the database's no-overlap guard.
        ordered = sorted(targets, key=lambda m: m.start, reverse=shift > timedelta(0))
        ids, now = [m.pk for m in targets], clock.now()
        every_conflict: list[dict] = []
        touched: set[int] = set()
        removed: dict[int, list[int]] = {}
        for target in ordered:
            start = target.start + shift
            moved: booking.Changes = {**changes, "start": start, "end": start + duration} if moving else changes
            try:
                with transaction.atomic():
                    change = booking.apply_change(target, actor=actor, now=now, changes=moved, exclude_meeting_ids=ids)
            except Conflict as conflict:
                if not conflict.conflicts:
                    raise
                every_conflict += [{**c, "occurrence": iso(start)} for c in conflict.conflicts]
                continue
            if change is not None:
                touched |= change.touched
                if change.removed:
                    removed[target.pk] = change.removed
        if every_conflict:
            raise Conflict(_("Không thể dời lịch: một số buổi họp bị trùng lịch hoặc thiếu cổng cầu."), every_conflict)
        if touched:
            after_write(meeting_ids=ids, endpoint_ids=touched, kind="change", notify=notify, removed=removed)
    return sorted(targets, key=lambda m: m.start)


# ---------------------------------------------------------------------------------- import

MAX_IMPORT_EVENTS = 500


def read_events(data: bytes) -> list[ical.ImportedEvent]:
    """The VEVENTs of an uploaded calendar, 1 to MAX_IMPORT_EVENTS of them; else a ValidationError on `file`."""
    try:
        events = ical.read_calendar(data)
    except (ValueError, IndexError, KeyError, TypeError) as error:
        raise ValidationError({"file": [_("Không đọc được tệp iCalendar: %(error)s") % {"error": error}]}) from None
    if not events:
        raise ValidationError({"file": [_("Tệp không có sự kiện (VEVENT) nào.")]})
    if len(events) > MAX_IMPORT_EVENTS:
        raise ValidationError({"file": [_("Tối đa %(n)s sự kiện mỗi lần nhập.") % {"n": MAX_IMPORT_EVENTS}]})
    return events


def import_calendar(*, organizer: User, data: bytes, skip_conflicts: bool = False) -> dict:
    """Book every VEVENT of an uploaded calendar under the same rules, each on its own (one
    refused event does not undo the others). Returns {"booked": [...], "refused": [...]}.

    Who takes part: X-VCONF-HOST (endpoint id), X-VCONF-ENDPOINTS (ids), X-VCONF-UNITS (unit
    codes), X-VCONF-BRIDGE (id) when present — vconf's own invitations carry them; otherwise the
    host is the endpoint named by LOCATION and the participants are the endpoints whose operators'
    e-mail addresses are the ATTENDEEs."""
    booking.require_booker(organizer)
    events = read_events(data)
    booked, refused = [], []
    for event in events:
        summary = {"uid": event.uid, "summary": event.summary}
        try:
            booked.append({**summary, **import_event(event, organizer=organizer, skip_conflicts=skip_conflicts)})
        except ValidationError as error:
            errors = validation_messages(error)
            refused.append({**summary, "status": 400, "detail": _("Dữ liệu không hợp lệ."), "errors": errors})
        except PermissionDenied as error:
            refused.append({**summary, "status": 403, "detail": str(error)})
        except Conflict as error:
            refused.append({**summary, "status": 409, "detail": error.detail, "conflicts": error.conflicts})
    return {"booked": booked, "refused": refused}


def import_event(event: ical.ImportedEvent, *, organizer: User, skip_conflicts: bool) -> dict:
    if event.problems:
        raise ValidationError(event.problems)
    check_texts(event)
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
    assert event.start is not None and event.end is not None  # else event.problems said so
    request = BookingRequest(
        organizer, event.summary[:200], event.start, event.end, host, endpoints, units, bridge, event.description
    )
    result = book(request, rule=event.rrule, skip_conflicts=skip_conflicts, exclude=event.exdates, uid=uid)
    series = result.series.pk if result.series else None
    return {"series": series, "meetings": [m.pk for m in result.meetings], "skipped": result.skipped}


def check_texts(event: ical.ImportedEvent) -> None:
    """The title and description rules of the API, for an imported SUMMARY and DESCRIPTION."""
    errors: dict[str, list[str]] = {}
    if not event.summary:
        errors["title"] = [_("Thiếu SUMMARY (tiêu đề).")]
    for name, value, validate in (
        ("title", event.summary, validate_title),
        ("description", event.description, validate_description),
    ):
        try:
            validate(value)
        except ValidationError as error:
            errors.setdefault(name, []).extend(error.messages)
    if len(event.description) > MAX_DESCRIPTION:
        message = _("DESCRIPTION dài tối đa %(n)s ký tự.") % {"n": MAX_DESCRIPTION}
        errors.setdefault("description", []).append(message)
    if errors:
        raise ValidationError(errors)


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
