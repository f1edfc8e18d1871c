"""Delegated scope: a province's office manages its part of a meeting it does not fully hold.

A national conference holds rooms of every province. A province's staff may withdraw their own
rooms from it or swap one of theirs for another of theirs; the rooms of other provinces, the
title, the time and the host stay as the Government office booked them. The rules of a booking
(locks, conflicts, ports per bridge, the audit trail, the e-mails) are booking_rules' own: this
module only decides which endpoints the meeting has afterwards, and refuses briefly (a refusal
names a few rooms and counts the others, never the whole country).
"""

from collections.abc import Collection

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from rooms.models import Endpoint, Meeting, MeetingStatus, Unit
from rooms.permissions import is_administrator
from rooms.selectors.endpoints import few_names
from rooms.selectors.meetings import BOOKABLE_STATUSES, bookable_endpoints_under, endpoints_in_scope_of
from rooms.services.booking_rules import (
    Participants,
    add_participations,
    after_write,
    conflict_checker,
    database_conflicts_as_409,
    lock_for_booking,
    lock_meetings,
    refuse,
    remove_participations,
    require_booker,
)
from vconf import clock
from vconf.exceptions import Conflict


def holds_whole_meeting(actor: User, meeting: Meeting) -> bool:
    """Does the actor's scope hold every endpoint of the meeting (administrators: always)?"""
    if is_administrator(actor):
        return True
    ids = list(meeting.participations.values_list("endpoint_id", flat=True))
    return len(endpoints_in_scope_of(actor, ids)) == len(ids)


def require_whole_meeting(actor: User, meeting: Meeting) -> None:
    """403, briefly, for a change only the holder of every room may make (title, time, host, cancel)."""
    if holds_whole_meeting(actor, meeting):
        return
    ids = set(meeting.participations.values_list("endpoint_id", flat=True))
    outside = ids - endpoints_in_scope_of(actor, ids)
    raise PermissionDenied(
        _("Cuộc họp có điểm cầu ngoài phạm vi của bạn (%(names)s): bạn chỉ được rút hoặc đổi điểm cầu của mình.")
        % {"names": few_names(outside)}
    )


def change_own_rooms(
    *, meeting: Meeting, actor: User, endpoints: Collection[Endpoint] = (), units: Collection[Unit] = ()
) -> Meeting:
    """Set which of the actor's rooms take part; the rooms outside the actor's scope are kept as
    they are (an id of one of them in `endpoints` means "keep it"). 403 for adding a room
    outside the scope, 409 for a meeting held or cancelled, or for a clash of the new rooms."""
    require_booker(actor)
    with database_conflicts_as_409(), transaction.atomic():
        lock_meetings([meeting.pk])
        meeting = Meeting.objects.select_related("host", "bridge").get(pk=meeting.pk)
        require_open(meeting)
        current = set(meeting.participations.values_list("endpoint_id", flat=True))
        mine = endpoints_in_scope_of(actor, current)
        if not mine:
            raise PermissionDenied(_("Cuộc họp không có điểm cầu nào trong phạm vi của bạn."))
        asked = {e.pk: e for e in endpoints} | {e.pk: e for e in bookable_endpoints_under(units)}
        in_scope = endpoints_in_scope_of(actor, asked.keys())
        if foreign := set(asked) - in_scope - current:
            message = _("Chỉ thêm được điểm cầu trong phạm vi của bạn: %(names)s.") % {"names": few_names(foreign)}
            raise PermissionDenied(message)
        wanted = (current - mine) | in_scope | {meeting.host_id}
        added, removed = sorted(wanted - current), sorted(current - wanted)
        if not (added or removed):
            return meeting
        check_bookable([asked[pk] for pk in added])
        lock_for_booking(bridge_ids=[meeting.bridge_id], endpoint_ids=sorted(wanted | current))
        everyone = list(Endpoint.objects.filter(pk__in=wanted).select_related("bridge").order_by("pk"))
        participants = Participants(host=meeting.host, endpoints=everyone, bridge=meeting.bridge)
        span = (meeting.start, meeting.end)
        refuse(conflict_checker(participants, span, exclude_meeting_ids=[meeting.pk]).conflicts(*span))
        meeting.sequence += 1
        meeting.save(update_fields=["sequence", "updated_at"])
        remove_participations(meeting, removed)
        add_participations(meeting, [asked[pk] for pk in added])
        after_write(
            meeting_ids=[meeting.pk],
            endpoint_ids=[*added, *removed],
            kind="change",
            notify=True,
            removed={meeting.pk: removed} if removed else None,
        )
    return meeting


def require_open(meeting: Meeting) -> None:
    state = meeting.state_at(clock.now())
    if state == MeetingStatus.CANCELLED:
        raise Conflict(_("Cuộc họp đã hủy, không thể thay đổi."))
    if state == MeetingStatus.HELD:
        raise Conflict(_("Cuộc họp đã diễn ra, không thể thay đổi."))


def check_bookable(endpoints: list[Endpoint]) -> None:
    if unbookable := [e.pk for e in endpoints if e.status not in BOOKABLE_STATUSES]:
        message = _("Chưa thêm được điểm cầu chưa sẵn sàng (chỉ điểm cầu thí điểm hoặc đang hoạt động): %(names)s.")
        raise ValidationError({"endpoints": [message % {"names": few_names(unbookable)}]})
