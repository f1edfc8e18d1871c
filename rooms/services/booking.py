"""Booking, rescheduling and cancelling meetings: every rule of DOMAIN.md "Meetings and attendance".

The rules a booking shares with a series (who, when, the locks, the conflicts, the writes) live
in booking_rules.py; this module holds the operations on one meeting.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict, Unpack

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from rooms.models import Bridge, Endpoint, Meeting, MeetingStatus, Participation, Unit
from rooms.services import days_off
from rooms.services.booking_rules import (
    BookingRequest,
    add_participations,
    after_write,
    book,
    check_times,
    clean,
    conflict_checker,
    database_conflicts_as_409,
    lock_for_booking,
    lock_meetings,
    plan_participants,
    refuse,
    remove_participations,
    require_booker,
    require_in_scope,
)
from rooms.services.booking_times import new_interval
from vconf import clock
from vconf.exceptions import Conflict


class _Keep:
    """Marks an argument of a change as "leave as it is" (None can be a real value)."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = _Keep()


def book_meeting(
    *,
    organizer: User,
    title: str,
    start: datetime,
    end: datetime,
    host: Endpoint,
    endpoints: Collection[Endpoint] = (),
    units: Collection[Unit] = (),
    bridge: Bridge | None = None,
    description: str = "",
    uid: str | None = None,
    notify: bool = True,
    delegates_per_site: int | None = None,
    holiday_override_reason: str = "",
) -> Meeting:
    request = BookingRequest(
        organizer,
        title,
        start,
        end,
        host,
        endpoints,
        units,
        bridge,
        description,
        delegates_per_site=delegates_per_site,
        holiday_override_reason=holiday_override_reason,
    )
    return book(request, uid=uid, notify=notify).meetings[0]


def require_changeable(meeting: Meeting, actor: User, *, now: datetime) -> list[int]:
    """403 unless every endpoint of the meeting is in the actor's scope (the caller checked
    that they book); 409 for a meeting that is cancelled or already held. Returns the meeting's
    endpoint ids."""
    current_ids = sorted(meeting.participations.values_list("endpoint_id", flat=True))
    require_in_scope(actor, current_ids)
    state = meeting.state_at(now)
    if state == MeetingStatus.CANCELLED:
        raise Conflict(_("Cuộc họp đã hủy, không thể thay đổi."))
    if state == MeetingStatus.HELD:
        raise Conflict(_("Cuộc họp đã diễn ra, không thể thay đổi."))
    return current_ids


class Changes(TypedDict, total=False):
    """What a change may give; what it leaves out stays as it is."""

    start: datetime
    end: datetime
    endpoints: Collection[Endpoint]  # with units: replace the participants
    units: Collection[Unit]
    title: str
    description: str
    bridge: "Bridge | None | _Keep"  # None: the host's bridge; KEEP or left out: as it is
    holiday_override_reason: str  # an administrator's reason to move the meeting onto a day off


def reschedule_meeting(*, meeting: Meeting, actor: User, notify: bool = True, **changes: Unpack[Changes]) -> Meeting:
    """Move, retitle or change who takes part, under the same rules as a new booking (the
    meeting's own bookings do not conflict with it). SEQUENCE grows when anything changes."""
    require_booker(actor)
    with database_conflicts_as_409(), transaction.atomic():
        lock_meetings([meeting.pk])
        meeting = Meeting.objects.select_related("host", "bridge", "organizer").get(pk=meeting.pk)
        changed = apply_change(meeting, actor=actor, now=clock.now(), changes=changes)
        if changed is not None:
            removed = {meeting.pk: changed.removed} if changed.removed else None
            after_write(
                meeting_ids=[meeting.pk], endpoint_ids=changed.touched, kind="change", notify=notify, removed=removed
            )
    return meeting


@dataclass
class Change:
    touched: set[int]  # endpoints whose calendars change (before and after)
    removed: list[int]  # endpoints taken out of the meeting


def apply_change(
    meeting: Meeting,
    *,
    actor: User,
    now: datetime,
    changes: Changes,
    exclude_meeting_ids: Collection[int] = (),
) -> Change | None:
    """Change one locked meeting in the current transaction; None when nothing changed."""
    current_ids = require_changeable(meeting, actor, now=now)
    new_start, new_end = new_interval(
        start=changes.get("start"), end=changes.get("end"), current=(meeting.start, meeting.end)
    )
    times_changed = (new_start, new_end) != (meeting.start, meeting.end)
    if times_changed:
        check_times(start=new_start, end=new_end, now=now, start_changed=new_start != meeting.start)
    endpoints, units = changes.get("endpoints"), changes.get("units")
    if endpoints is None and units is None:
        endpoints = list(Endpoint.objects.filter(pk__in=current_ids))
    asked = changes.get("bridge", KEEP)
    participants = plan_participants(
        actor=actor,
        host=meeting.host,
        endpoints=endpoints or (),
        units=units or (),
        bridge=meeting.bridge if isinstance(asked, _Keep) else asked,
        keep_ids=current_ids,
        use_host_bridge=not isinstance(asked, _Keep),
    )
    new_ids, old_ids = set(participants.endpoint_ids), set(current_ids)
    texts = {k: v for k in ("title", "description") if (v := changes.get(k)) is not None and v != getattr(meeting, k)}
    booked_changed = times_changed or new_ids != old_ids or participants.bridge != meeting.bridge
    if not (booked_changed or texts):
        return None
    if reason := days_off.override_reason_of(actor, changes.get("holiday_override_reason", "")):
        meeting.holiday_override_reason = reason
    if booked_changed:
        lock_for_booking(bridge_ids=participants.ports, endpoint_ids=sorted(new_ids | old_ids))
        exclude = [meeting.pk, *exclude_meeting_ids]
        refuse(
            days_off.moved_onto_day_off(meeting, new_start, participants.endpoints)
            + conflict_checker(participants, (new_start, new_end), exclude_meeting_ids=exclude).conflicts(
                new_start, new_end
            )
        )
    meeting.start, meeting.end, meeting.bridge = new_start, new_end, participants.bridge
    for name, value in texts.items():
        setattr(meeting, name, value)
    meeting.sequence += 1
    clean(meeting)
    meeting.save()
    removed = sorted(old_ids - new_ids)
    remove_participations(meeting, removed)
    if times_changed:
        Participation.objects.filter(meeting=meeting).update(start=new_start, end=new_end)
    add_participations(meeting, [e for e in participants.endpoints if e.pk not in old_ids])
    return Change(touched=new_ids | old_ids, removed=removed)


def cancel_meeting(*, meeting: Meeting, actor: User, notify: bool = True) -> Meeting:
    """Cancel a meeting that has not started: it is kept, its endpoints are freed."""
    require_booker(actor)
    with database_conflicts_as_409(), transaction.atomic():
        lock_meetings([meeting.pk])
        meeting = Meeting.objects.get(pk=meeting.pk)
        endpoint_ids = mark_cancelled(meeting, actor=actor, now=clock.now())
        after_write(meeting_ids=[meeting.pk], endpoint_ids=endpoint_ids, kind="cancellation", notify=notify)
    return meeting


def mark_cancelled(meeting: Meeting, *, actor: User, now: datetime) -> list[int]:
    endpoint_ids = require_changeable(meeting, actor, now=now)
    if meeting.state_at(now) == MeetingStatus.IN_PROGRESS:
        raise Conflict(_("Cuộc họp đang diễn ra, không thể hủy."))
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_at = now
    meeting.sequence += 1
    meeting.save(update_fields=["status", "cancelled_at", "sequence", "updated_at"])
    Participation.objects.filter(meeting=meeting).update(active=False)
    return endpoint_ids
