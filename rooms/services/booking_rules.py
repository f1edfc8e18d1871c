"""The rules every booking shares, one meeting or a series, new or changed: who may book which
endpoints, which times can be booked, the locks, the conflict check, the 409 for what the
database refuses, and the writes with what follows their commit.

Each write owns one transaction, locks what it is about to use (the bridge, then the endpoints,
in id order), checks every rule, lists every conflict, and only then writes. E-mail and the
calendar-feed cache are touched in `transaction.on_commit`, so nothing leaves a rolled-back booking.
"""

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext as _

from rooms.broadcast import broadcast_attendance_changed
from rooms.models import Bridge, Endpoint, Meeting, Participation, Role, Series, Unit
from rooms.models.endpoints import BOOKABLE_STATUSES
from rooms.permissions import has_role, is_administrator
from rooms.selectors import meetings as selectors
from rooms.selectors.endpoints import few_names
from rooms.selectors.ids import ids_in
from rooms.services import booking_recurrence as recurrence
from rooms.services import days_off, request_rules
from rooms.services.booking_ports import plan_ports
from rooms.services.booking_recurrence import occurrences
from rooms.services.booking_times import aware
from rooms.services.participation_rows import insert_participations
from vconf import clock
from vconf.exceptions import Conflict, is_conflict_error
from vconf.limits import MAX_MEETING, MAX_MEETING_HOURS

Slot = tuple[datetime, datetime]


@dataclass(frozen=True)
class BookingRequest:
    """What a booking asks for, from the API, the booking page or an imported calendar."""

    organizer: User
    title: str
    start: datetime
    end: datetime
    host: Endpoint
    endpoints: Collection[Endpoint] = ()
    units: Collection[Unit] = ()
    bridge: Bridge | None = None
    description: str = ""
    delegates_per_site: int | None = None  # the invitation's delegation per site (savings); None: default
    holiday_override_reason: str = ""  # an administrator's reason to start on a day off


@dataclass
class Participants:
    """Who takes part and on which bridge, after the checks that do not depend on time."""

    host: Endpoint
    endpoints: list[Endpoint]  # every endpoint booked, the host included, in id order
    bridge: Bridge | None  # the top bridge of the cascade
    ports: dict[int, int] = field(default_factory=dict)  # {bridge id: ports held there}

    @property
    def endpoint_ids(self) -> list[int]:
        return [e.pk for e in self.endpoints]


@dataclass
class Booking:
    """What a booking wrote or, in a preview, would write (then `meetings` are not saved)."""

    participants: Participants
    meetings: list[Meeting]
    series: Series | None = None
    skipped: list[dict] = field(default_factory=list)  # occurrences left out: {start, end, conflicts}


# ------------------------------------------------------------------------------ the checks


def require_booker(user: User) -> None:
    if not has_role(user, Role.STAFF):
        raise PermissionDenied(_("Chỉ văn phòng và quản trị được đặt lịch họp."))


def require_in_scope(user: User, endpoint_ids: Collection[int]) -> None:
    """The user's home unit must contain every endpoint (administrators: anywhere)."""
    if is_administrator(user) or not endpoint_ids:
        return
    allowed = selectors.endpoints_in_scope_of(user, endpoint_ids)
    outside = [pk for pk in endpoint_ids if pk not in allowed]
    if outside:
        # A few names and a count: a national meeting would otherwise name 3,000 rooms.
        raise PermissionDenied(_("Ngoài phạm vi đơn vị của bạn: %(names)s.") % {"names": few_names(outside)})


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
    if end > recurrence.horizon(now):
        days = settings.VCONF["BOOKING_HORIZON_DAYS"]
        errors.setdefault("end", []).append(_("Chỉ đặt lịch trước tối đa %(days)s ngày.") % {"days": days})
    if errors:
        raise ValidationError(errors)


def plan_participants(
    *,
    actor: User,
    host: Endpoint,
    endpoints: Collection[Endpoint] = (),
    units: Collection[Unit] = (),
    bridge: Bridge | None = None,
    keep_ids: Collection[int] = (),
    use_host_bridge: bool = True,
) -> Participants:
    """Who takes part and on which bridges; 403 out of scope, 400 for an endpoint that cannot be
    booked or whose bridge does not cascade to the meeting's. `keep_ids` are endpoints already in
    the meeting: they need not be bookable again."""
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
    require_in_scope(actor, [e.pk for e in everyone])
    ports = plan_ports(asked=bridge, host=host, endpoints=everyone, use_host=use_host_bridge)
    return Participants(host=host, endpoints=everyone, bridge=ports.top, ports=ports.per_bridge)


# ----------------------------------------------------------------- locks and conflicts


def lock_for_booking(*, bridge_ids: Collection[int | None], endpoint_ids: Collection[int]) -> None:
    """Lock the bridges, then the endpoints, each in id order, so two bookings that share
    endpoints wait for each other instead of deadlocking, and two bookings on one bridge cannot
    both take its last ports. Every bridge a booking holds ports on is locked, the cascade's
    parents included: two provincial bookings under one central MCU queue on it. On SQLite the
    IMMEDIATE transaction already serialises writers."""
    if not connection.features.has_select_for_update:
        return
    ids = sorted({pk for pk in bridge_ids if pk is not None})
    if ids:
        list(Bridge.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    endpoints = Endpoint.objects.select_for_update().filter(ids_in("pk", sorted(endpoint_ids)))
    list(endpoints.order_by("pk").values_list("pk"))


def lock_meetings(ids: Collection[int]) -> None:
    if connection.features.has_select_for_update and ids:
        list(Meeting.objects.select_for_update().filter(pk__in=sorted(ids)).order_by("pk").values_list("pk"))


def conflict_checker(
    participants: Participants, span: Slot, *, exclude_meeting_ids: Collection[int] = ()
) -> selectors.ConflictChecker:
    return selectors.ConflictChecker(
        endpoint_ids=participants.endpoint_ids,
        ports_needed=participants.ports,
        span_start=span[0],
        span_end=span[1],
        exclude_meeting_ids=exclude_meeting_ids,
    )


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


def sort_slots(
    checker: selectors.ConflictChecker | days_off.Checker, slots: list[Slot]
) -> tuple[list[Slot], list[dict]]:
    """The occurrences that are free, and the others with their conflicts."""
    free, skipped = [], []
    for start, end in slots:
        if conflicts := checker.conflicts(start, end):
            skipped.append({"start": selectors.iso(start), "end": selectors.iso(end), "conflicts": conflicts})
        else:
            free.append((start, end))
    return free, skipped


def listed_conflicts(skipped: list[dict], *, in_series: bool) -> list[dict]:
    """Every conflict of the refused occurrences; in a series each names its occurrence."""
    return [{**c, "occurrence": s["start"]} if in_series else c for s in skipped for c in s["conflicts"]]


# ------------------------------------------------------------------------------ the writes


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


def create_meeting(request: BookingRequest, participants: Participants, slot: Slot, **extra: object) -> Meeting:
    """One meeting and its bookings; `extra` are the series fields (series, recurrence_id, uid)."""
    meeting = unsaved_meeting(request, participants, slot)
    for name, value in extra.items():
        setattr(meeting, name, value)
    clean(meeting)
    meeting.save()
    add_participations(meeting, participants.endpoints, host_id=participants.host.pk)
    # The answer shows what was just checked and written, without reading it back.
    meeting.booked_endpoint_ids = [pk for pk in participants.endpoint_ids if pk != participants.host.pk]  # type: ignore[attr-defined]
    meeting.booked_ports = dict(participants.ports)  # type: ignore[attr-defined]
    return meeting


def unsaved_meeting(request: BookingRequest, participants: Participants, slot: Slot) -> Meeting:
    return Meeting(
        title=request.title,
        description=request.description,
        host=participants.host,
        bridge=participants.bridge,
        start=slot[0],
        end=slot[1],
        organizer=request.organizer,
        delegates_per_site=request.delegates_per_site,
        **request_rules.meeting_fields(request.organizer, request.holiday_override_reason),
    )


def add_participations(meeting: Meeting, endpoints: Collection[Endpoint], *, host_id: int | None = None) -> None:
    """Book endpoints into a saved meeting. They copy its validated times, so there is nothing
    to clean row by row. The audit trail gets one "endpoints" entry on the meeting, as
    django-auditlog writes for a many-to-many change, not one entry per row."""
    insert_participations(
        meeting_id=meeting.pk,
        endpoint_ids=[e.pk for e in endpoints],
        host_id=host_id,
        start=meeting.start,
        end=meeting.end,
    )
    record_endpoints(meeting, endpoints, operation="add")


def remove_participations(meeting: Meeting, endpoint_ids: Collection[int]) -> None:
    """Take endpoints out of a meeting, recorded like their booking: one "endpoints" entry on
    the meeting (auditlog would otherwise add a DELETE entry per participation row)."""
    if not endpoint_ids:
        return
    record_endpoints(meeting, list(Endpoint.objects.filter(pk__in=endpoint_ids).only("name")), operation="delete")
    with disable_auditlog():
        Participation.objects.filter(meeting=meeting, endpoint_id__in=endpoint_ids).delete()


def record_endpoints(meeting: Meeting, endpoints: Collection[Endpoint], *, operation: str) -> None:
    # The actor is the request's user, which auditlog's middleware supplies.
    if endpoints:
        LogEntry.objects.log_m2m_changes(endpoints, meeting, operation, "endpoints")


# ---------------------------------------------------------------------------- the booking


def book(
    request: BookingRequest,
    *,
    rule: str = "",
    skip_conflicts: bool = False,
    exclude: Collection[datetime] = (),
    uid: str | None = None,
    notify: bool = True,
    preview: bool = False,
) -> Booking:
    """Book one meeting, or every occurrence of `rule` (all or none; with `skip_conflicts` those
    that are free, reporting the others). `preview` runs every check and writes nothing.
    `exclude` drops occurrences starting at those times (an imported EXDATE)."""
    request_rules.require_booker_or_requester(request.organizer)
    start, end, now = aware(request.start), aware(request.end), clock.now()
    check_times(start=start, end=end, now=now)
    request_rules.check_lead_time(organizer=request.organizer, start=start, host=request.host, now=now)
    parsed, slots = occurrences(rule, start=start, end=end, now=now, exclude=exclude)
    in_series = parsed is not None
    participants = plan_participants(
        actor=request.organizer,
        host=request.host,
        endpoints=request.endpoints,
        units=request.units,
        bridge=request.bridge,
    )
    checker = days_off.checking_days_off(
        partial(conflict_checker, participants, (slots[0][0], slots[-1][1])), slots, request, participants.endpoints
    )

    def recheck() -> list[dict]:
        return listed_conflicts(sort_slots(checker(), slots)[1], in_series=in_series)

    # A preview locks nothing: on SQLite even its transaction would hold up every writer.
    with database_conflicts_as_409(recheck), nullcontext() if preview else transaction.atomic():
        if not preview:
            lock_for_booking(bridge_ids=participants.ports, endpoint_ids=participants.endpoint_ids)
        free, skipped = sort_slots(checker(), slots)
        conflicts = listed_conflicts(skipped, in_series=in_series)
        if not in_series:
            refuse(conflicts)
        elif conflicts and (not skip_conflicts or not free):
            raise Conflict(_("Không thể đặt lịch: một số buổi họp bị trùng lịch hoặc thiếu cổng cầu."), conflicts)
        if preview:
            return Booking(participants, [unsaved_meeting(request, participants, s) for s in free], skipped=skipped)
        series = save_series(request, parsed, uid=uid) if parsed else None
        moved = parsed.moved if parsed else {}
        meetings = [create_meeting(request, participants, s, **occurrence_fields(series, s, uid, moved)) for s in free]
        request_rules.open_requests(meetings, host=participants.host, now=now)
        ids = [m.pk for m in meetings]
        after_write(meeting_ids=ids, endpoint_ids=participants.endpoint_ids, kind="invitation", notify=notify)
    return Booking(participants, meetings, series=series, skipped=skipped)


def save_series(request: BookingRequest, rule: recurrence.Rule, *, uid: str | None) -> Series:
    series = Series(title=request.title, rrule=rule.text, organizer=request.organizer)
    if uid:
        series.uid = uid
    series.full_clean(exclude=["organizer"])
    series.save()
    return series


def occurrence_fields(series: Series | None, slot: Slot, uid: str | None, moved: dict) -> dict[str, object]:
    """A series' meetings carry it and their start as the rule gives it (`moved`: off a Sunday,
    booking_recurrence.expand); a single meeting may carry a uid."""
    if series is not None:
        return {"series_id": series.pk, "recurrence_id": moved.get(slot[0], slot[0])}
    return {"uid": uid} if uid else {}
