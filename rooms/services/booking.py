"""Booking, rescheduling and cancelling meetings: every rule of DOMAIN.md "Meetings and attendance".

Each write owns one transaction, locks what it is about to use (the bridge, then the endpoints,
in id order), checks every rule, lists every conflict, and only then writes. E-mail and the
calendar-feed cache are touched in `transaction.on_commit`, so nothing leaves a rolled-back booking.
"""

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions

from rooms.broadcast import broadcast_attendance_changed
from rooms.models import Bridge, Endpoint, Meeting, MeetingStatus, Participation, Role, Unit
from rooms.models.endpoints import BOOKABLE_STATUSES
from rooms.permissions import has_role, is_administrator
from rooms.selectors import meetings as selectors
from vconf import clock
from vconf.exceptions import CONFLICT_SQLSTATES, Conflict
from vconf.limits import MAX_MEETING, MAX_MEETING_HOURS

# A meeting longer than a working day is a typing mistake, not a meeting.


class NotAllowed(exceptions.PermissionDenied):
    """403 with a message saying what the user may not do (DRF keeps the detail)."""


class _Keep:
    """Marks an argument of a change as "leave as it is" (None can be a real value)."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = _Keep()


@dataclass
class BookingPlan:
    """A booking that passed the checks that do not depend on time: who, where, which bridge."""

    organizer: User
    title: str
    description: str
    host: Endpoint
    endpoints: list[Endpoint]  # every endpoint booked, the host included, in id order
    bridge: Bridge | None
    added_ids: set[int] = field(default_factory=set)

    @property
    def endpoint_ids(self) -> list[int]:
        return [e.pk for e in self.endpoints]


# ---------------------------------------------------------------- checks shared with series.py


def require_booker(user: User) -> None:
    if not has_role(user, Role.STAFF):
        raise NotAllowed(_("Chỉ văn phòng và quản trị được đặt lịch họp."))


def require_in_scope(user: User, endpoint_ids: Collection[int]) -> None:
    """The user's home unit must contain every endpoint (administrators: anywhere)."""
    if is_administrator(user) or not endpoint_ids:
        return
    allowed = selectors.endpoints_in_scope_of(user, endpoint_ids)
    outside = [pk for pk in endpoint_ids if pk not in allowed]
    if outside:
        names = ", ".join(Endpoint.objects.filter(pk__in=outside).order_by("pk").values_list("name", flat=True))
        raise NotAllowed(_("Ngoài phạm vi đơn vị của bạn: %(names)s.") % {"names": names})


def aware(value: datetime) -> datetime:
    # A time without an offset is Asia/Ho_Chi_Minh (the current time zone), as the API promises.
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def check_times(*, start: datetime, end: datetime, now: datetime, start_changed: bool = True) -> None:
    """400 for an interval that cannot be booked: backwards, too long, past, beyond the horizon."""
    errors: dict[str, list[str]] = {}
    if end <= start:
        errors["end"] = [_("Giờ kết thúc phải sau giờ bắt đầu.")]
    elif end - start > MAX_MEETING:
        errors["end"] = [_("Một cuộc họp dài tối đa %s giờ.") % MAX_MEETING_HOURS]
    # A start within the current minute is "now" (an urgent meeting typed or booked as "Họp ngay").
    if start_changed and start < now.replace(second=0, microsecond=0):
        errors["start"] = [_("Không thể đặt lịch trong quá khứ.")]
    elif end <= now:
        errors["end"] = [_("Giờ kết thúc đã qua.")]
    horizon = settings.VCONF["BOOKING_HORIZON_DAYS"]
    if end > now + timedelta(days=horizon):
        errors.setdefault("end", []).append(_("Chỉ đặt lịch trước tối đa %(days)s ngày.") % {"days": horizon})
    if errors:
        raise ValidationError(errors)


def plan_booking(
    *,
    organizer: User,
    title: str,
    host: Endpoint,
    endpoints: Collection[Endpoint] = (),
    units: Collection[Unit] = (),
    bridge: Bridge | None = None,
    description: str = "",
    keep_ids: Collection[int] = (),
) -> BookingPlan:
    """Who takes part and on which bridge; 403 out of scope, 400 for an endpoint that cannot be
    booked. `keep_ids` are endpoints already in the meeting: they need not be bookable again."""
    require_booker(organizer)
    chosen = {e.pk: e for e in endpoints}
    from_units = list(selectors.bookable_endpoints_under(units)) if units else []
    if units and not from_units:
        raise ValidationError({"units": [_("Các đơn vị đã chọn không có điểm cầu nào đặt được.")]})
    for endpoint in from_units:
        chosen.setdefault(endpoint.pk, endpoint)
    chosen.pop(host.pk, None)
    if not chosen:
        raise ValidationError({"endpoints": [_("Chọn ít nhất một điểm cầu tham gia (ngoài điểm chủ trì).")]})
    everyone = sorted([host, *chosen.values()], key=lambda e: e.pk)
    unbookable = [e for e in everyone if e.status not in BOOKABLE_STATUSES and e.pk not in keep_ids]
    if unbookable:
        message = _("Điểm cầu chưa sẵn sàng (chỉ đặt được điểm cầu thí điểm hoặc đang hoạt động): %(names)s.")
        key = "host" if unbookable == [host] else "endpoints"
        raise ValidationError({key: [message % {"names": ", ".join(e.name for e in unbookable)}]})
    require_in_scope(organizer, [e.pk for e in everyone])
    return BookingPlan(
        organizer=organizer,
        title=title,
        description=description,
        host=host,
        endpoints=everyone,
        bridge=bridge if bridge is not None else host.bridge,
        added_ids={e.pk for e in everyone} - set(keep_ids),
    )


def lock_for_booking(*, bridge_ids: Collection[int], endpoint_ids: Collection[int]) -> None:
    """Lock the bridges, then the endpoints, each in id order, so two bookings that share
    endpoints wait for each other instead of deadlocking, and two bookings on one bridge cannot
    both take its last ports. On SQLite the IMMEDIATE transaction already serialises writers."""
    if not connection.features.has_select_for_update:
        return
    ids = sorted(set(bridge_ids) - {None})
    if ids:
        list(Bridge.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    list(Endpoint.objects.select_for_update().filter(pk__in=sorted(endpoint_ids)).order_by("pk").values_list("pk"))


def conflict_checker(
    plan: BookingPlan, span_start: datetime, span_end: datetime, *, exclude_meeting_ids: Collection[int] = ()
) -> selectors.ConflictChecker:
    return selectors.ConflictChecker(
        endpoint_ids=plan.endpoint_ids,
        bridge=plan.bridge,
        span_start=span_start,
        span_end=span_end,
        exclude_meeting_ids=exclude_meeting_ids,
    )


def is_conflict_error(error: DatabaseError) -> bool:
    sqlstate = getattr(getattr(error, "__cause__", None), "sqlstate", None)
    text = str(error)
    return sqlstate in CONFLICT_SQLSTATES or "overlapping booking" in text or "locked" in text


@contextmanager
def database_conflicts_as_409(recheck: Callable[[], list[dict]] | None = None) -> Iterator[None]:
    """What slipped past the service and the database refused (the no-overlap guard, a
    deadlock, a busy SQLite file) is a conflict, 409, for pages and API alike, never a 500."""
    try:
        yield
    except DatabaseError as error:
        if not is_conflict_error(error):
            raise
        conflicts: list[dict] = []
        if recheck is not None:
            try:
                conflicts = recheck()
            except DatabaseError:
                conflicts = []
        raise Conflict(_("Trùng lịch với một cuộc họp vừa được đặt, vui lòng thử lại."), conflicts) from error


def refuse(conflicts: list[dict]) -> None:
    if conflicts:
        raise Conflict(_("Không thể đặt lịch: trùng lịch hoặc thiếu cổng cầu."), conflicts)


def after_write(
    *,
    meeting_ids: list[int],
    endpoint_ids: Collection[int],
    kind: str,
    notify: bool,
    removed: dict[int, list[int]] | None = None,
) -> None:
    """Register what must happen once the booking is committed: the calendar feeds of these
    endpoints change, and the operators hear about it by e-mail."""
    from rooms import ical
    from rooms.services import invitations

    # Named functions, not partials: Django's robust hook runner logs a failure by the hook's
    # __qualname__, which a partial lacks (the AttributeError made a committed booking a 500).
    feeds = sorted(set(endpoint_ids))
    transaction.on_commit(lambda: ical.bump_feed_versions(feeds), robust=True)
    # Live boards of moved or cancelled meetings show the new times and states at once.
    transaction.on_commit(lambda: broadcast_attendance_changed(*meeting_ids), robust=True)
    if notify:
        # Never raises: a mail that cannot be sent is logged and recorded on the meeting.
        transaction.on_commit(
            lambda: invitations.send_after_commit(meeting_ids=meeting_ids, kind=kind, removed=removed), robust=True
        )


def clean(meeting: Meeting) -> None:
    """Field validation before save, without the round trips that only repeat what is known: the
    related rows were just loaded (and locked), the times were checked by check_times, and the
    database enforces the constraints and the unique uid anyway."""
    meeting.full_clean(
        exclude=["host", "bridge", "organizer", "series"], validate_unique=False, validate_constraints=False
    )


def create_meeting(
    plan: BookingPlan,
    *,
    start: datetime,
    end: datetime,
    series_id: int | None = None,
    recurrence_id: datetime | None = None,
    uid: str | None = None,
) -> Meeting:
    meeting = Meeting(
        title=plan.title,
        description=plan.description,
        host=plan.host,
        bridge=plan.bridge,
        start=start,
        end=end,
        organizer=plan.organizer,
        series_id=series_id,
        recurrence_id=recurrence_id,
    )
    if uid:
        meeting.uid = uid
    clean(meeting)
    meeting.save()
    insert_participations(
        meeting_id=meeting.pk, endpoint_ids=plan.endpoint_ids, host_id=plan.host.pk, start=start, end=end
    )
    record_endpoints(meeting, plan.endpoints, operation="add")
    return meeting


def record_endpoints(meeting: Meeting, endpoints: Collection[Endpoint], *, operation: str) -> None:
    """Who was booked in or out, in the audit trail: one "endpoints" entry on the meeting, as
    django-auditlog writes for a many-to-many change (the rows themselves go in without model
    signals). The actor is the request's user, which auditlog's middleware supplies."""
    if endpoints:
        LogEntry.objects.log_m2m_changes(endpoints, meeting, operation, "endpoints")


# Rows per INSERT statement: 6 values each stays under SQLite's oldest limit of 999 variables.
INSERT_BATCH = 150


def insert_participations(
    *, meeting_id: int, endpoint_ids: list[int], host_id: int | None, start: datetime, end: datetime
) -> None:
    """The bookings of one meeting, as multi-row INSERTs. They copy the validated meeting, so
    there is nothing to clean row by row; and every row carries the same two times, adapted to
    the database once here, where bulk_create would prepare all 1,500 values one by one (for a
    250-endpoint meeting that preparation cost more than the insert itself)."""
    ops = connection.ops
    table = ops.quote_name(Participation._meta.db_table)
    columns = ", ".join(ops.quote_name(c) for c in ("meeting_id", "endpoint_id", "is_host", "start", "end", "active"))
    db_start, db_end = ops.adapt_datetimefield_value(start), ops.adapt_datetimefield_value(end)
    rows = [(meeting_id, pk, pk == host_id, db_start, db_end, True) for pk in endpoint_ids]
    with connection.cursor() as cursor:
        for first in range(0, len(rows), INSERT_BATCH):
            batch = rows[first : first + INSERT_BATCH]
            placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(batch))
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {placeholders}", [v for row in batch for v in row])


# ---------------------------------------------------------------------------- the services


def validated_plan(
    *,
    organizer: User,
    title: str,
    start: datetime,
    end: datetime,
    host: Endpoint,
    endpoints: Collection[Endpoint],
    units: Collection[Unit],
    bridge: Bridge | None,
    description: str,
) -> tuple[BookingPlan, datetime, datetime]:
    """The checks a booking passes before it looks at other meetings: who books, the times, the
    endpoints. Returns the plan and the times made time-zone aware."""
    require_booker(organizer)
    start, end = aware(start), aware(end)
    check_times(start=start, end=end, now=clock.now())
    plan = plan_booking(
        organizer=organizer,
        title=title,
        host=host,
        endpoints=endpoints,
        units=units,
        bridge=bridge,
        description=description,
    )
    return plan, start, end


def check_booking(
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
) -> BookingPlan:
    """Every check of book_meeting, writing nothing: the booking page's "check" button."""
    plan, start, end = validated_plan(
        organizer=organizer,
        title=title,
        start=start,
        end=end,
        host=host,
        endpoints=endpoints,
        units=units,
        bridge=bridge,
        description=description,
    )
    refuse(conflict_checker(plan, start, end).conflicts(start, end))
    return plan


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
) -> Meeting:
    plan, start, end = validated_plan(
        organizer=organizer,
        title=title,
        start=start,
        end=end,
        host=host,
        endpoints=endpoints,
        units=units,
        bridge=bridge,
        description=description,
    )

    def recheck() -> list[dict]:
        return conflict_checker(plan, start, end).conflicts(start, end)

    with database_conflicts_as_409(recheck), transaction.atomic():
        lock_for_booking(bridge_ids=[plan.bridge.pk] if plan.bridge else [], endpoint_ids=plan.endpoint_ids)
        refuse(recheck())
        meeting = create_meeting(plan, start=start, end=end, uid=uid)
        after_write(meeting_ids=[meeting.pk], endpoint_ids=plan.endpoint_ids, kind="invitation", notify=notify)
    return meeting


def require_changeable(meeting: Meeting, actor: User, *, now: datetime) -> list[int]:
    """403 unless the actor books and every endpoint of the meeting is in their scope;
    409 for a meeting that is cancelled or already held. Returns the meeting's endpoint ids."""
    require_booker(actor)
    current_ids = sorted(meeting.participations.values_list("endpoint_id", flat=True))
    require_in_scope(actor, current_ids)
    state = meeting.state_at(now)
    if state == MeetingStatus.CANCELLED:
        raise Conflict(_("Cuộc họp đã hủy, không thể thay đổi."))
    if state == MeetingStatus.HELD:
        raise Conflict(_("Cuộc họp đã diễn ra, không thể thay đổi."))
    return current_ids


def lock_meetings(ids: Collection[int]) -> None:
    if connection.features.has_select_for_update and ids:
        list(Meeting.objects.select_for_update().filter(pk__in=sorted(ids)).order_by("pk").values_list("pk"))


def reschedule_meeting(
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
) -> Meeting:
    """Move, retitle or change who takes part, under the same rules as a new booking (the
    meeting's own bookings do not conflict with it). SEQUENCE grows when anything changes."""
    with database_conflicts_as_409(), transaction.atomic():
        lock_meetings([meeting.pk])
        meeting = Meeting.objects.select_related("host", "bridge", "organizer").get(pk=meeting.pk)
        changed = apply_change(
            meeting,
            actor=actor,
            start=start,
            end=end,
            endpoints=endpoints,
            units=units,
            title=title,
            description=description,
            bridge=bridge,
            now=clock.now(),
        )
        if changed is not None:
            after_write(
                meeting_ids=[meeting.pk],
                endpoint_ids=changed.touched,
                kind="change",
                notify=notify,
                removed={meeting.pk: changed.removed} if changed.removed else None,
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
    start: datetime | None = None,
    end: datetime | None = None,
    endpoints: Collection[Endpoint] | None = None,
    units: Collection[Unit] | None = None,
    title: str | None = None,
    description: str | None = None,
    bridge: "Bridge | None | _Keep" = KEEP,
    exclude_meeting_ids: Collection[int] = (),
) -> Change | None:
    """Change one locked meeting in the current transaction; None when nothing changed."""
    current_ids = require_changeable(meeting, actor, now=now)
    new_start = aware(start) if start is not None else meeting.start
    # A new start alone moves the meeting (same duration); a new end alone lengthens or shortens it.
    new_end = aware(end) if end is not None else new_start + (meeting.end - meeting.start)
    times_changed = (new_start, new_end) != (meeting.start, meeting.end)
    if times_changed:
        check_times(start=new_start, end=new_end, now=now, start_changed=new_start != meeting.start)
    if endpoints is None and units is None:
        endpoints = list(Endpoint.objects.filter(pk__in=current_ids))
    plan = plan_booking(
        organizer=actor,
        title=meeting.title,
        host=meeting.host,
        endpoints=endpoints or (),
        units=units or (),
        bridge=meeting.bridge if isinstance(bridge, _Keep) else bridge,
        keep_ids=current_ids,
    )
    if isinstance(bridge, _Keep):
        plan.bridge = meeting.bridge
    new_ids = set(plan.endpoint_ids)
    members_changed = new_ids != set(current_ids)
    bridge_changed = (plan.bridge.pk if plan.bridge else None) != meeting.bridge_id
    text_changed = (title is not None and title != meeting.title) or (
        description is not None and description != meeting.description
    )
    if not (times_changed or members_changed or bridge_changed or text_changed):
        return None
    if times_changed or members_changed or bridge_changed:
        lock_for_booking(
            bridge_ids=[b for b in (meeting.bridge_id, plan.bridge.pk if plan.bridge else None) if b],
            endpoint_ids=sorted(new_ids | set(current_ids)),
        )
        checker = conflict_checker(plan, new_start, new_end, exclude_meeting_ids=[meeting.pk, *exclude_meeting_ids])
        refuse(checker.conflicts(new_start, new_end))
    meeting.start, meeting.end, meeting.bridge = new_start, new_end, plan.bridge
    if title is not None:
        meeting.title = title
    if description is not None:
        meeting.description = description
    meeting.sequence += 1
    clean(meeting)
    meeting.save()
    removed = sorted(set(current_ids) - new_ids)
    record_endpoints(meeting, list(Endpoint.objects.filter(pk__in=removed).only("name")), operation="delete")
    record_endpoints(meeting, [e for e in plan.endpoints if e.pk not in current_ids], operation="add")
    Participation.objects.filter(meeting=meeting, endpoint_id__in=removed).delete()
    if times_changed:
        Participation.objects.filter(meeting=meeting).update(start=new_start, end=new_end)
    insert_participations(
        meeting_id=meeting.pk,
        endpoint_ids=sorted(new_ids - set(current_ids)),
        host_id=None,
        start=new_start,
        end=new_end,
    )
    return Change(touched=new_ids | set(current_ids), removed=removed)


def cancel_meeting(*, meeting: Meeting, actor: User, notify: bool = True) -> Meeting:
    """Cancel a meeting that has not started: it is kept, its endpoints are freed."""
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
