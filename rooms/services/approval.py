"""Requests and approval: a department (role `requester`) asks the office for a meeting.

Điện Biên's rules (Decision 25/2021/QĐ-UBND) have departments register a meeting with the office
before invitations go out, "to avoid overlaps"; a ministry's procedure asks for notice and an
answer within 2 working days. So a requester's booking is `pending`: it holds its rooms and ports
like any booking (the same rules, the same database guards), its invitations say TENTATIVE, and
office staff whose scope holds it approve it (scheduled, invitations sent again, confirmed) or
reject it with a reason (cancelled, rooms freed, the requester told by e-mail).

A rejected meeting is `cancelled` with the decision and the reason on its MeetingRequest: every
consumer of `status` (calendar feeds, reports, the port count) already treats cancelled as "holds
nothing", so none of them has to learn a new value.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rooms.models import Meeting, MeetingRequest, MeetingStatus, Participation, RequestDecision, Role
from rooms.permissions import has_role
from rooms.services.booking_rules import after_write, lock_meetings, require_in_scope
from vconf import clock
from vconf.exceptions import Conflict

logger = logging.getLogger(__name__)


def require_answerer(actor: User, meeting: Meeting) -> list[int]:
    """Office staff (or administrators) whose scope holds every room of the meeting."""
    if not has_role(actor, Role.STAFF):
        raise PermissionDenied(_("Chỉ văn phòng và quản trị được duyệt đề nghị họp."))
    endpoint_ids = sorted(Participation.objects.filter(meeting=meeting).values_list("endpoint_id", flat=True))
    require_in_scope(actor, endpoint_ids)
    return endpoint_ids


def locked_pending(meeting: Meeting) -> tuple[Meeting, MeetingRequest]:
    lock_meetings([meeting.pk])
    meeting = Meeting.objects.select_related("organizer").get(pk=meeting.pk)
    request = MeetingRequest.objects.filter(meeting=meeting).first()
    if meeting.status != MeetingStatus.PENDING or request is None:
        raise Conflict(_("Cuộc họp không ở trạng thái chờ duyệt."))
    return meeting, request


def approve_request(*, meeting: Meeting, actor: User) -> Meeting:
    """Pending → scheduled; the operators get the confirmed invitation (SEQUENCE grows)."""
    with transaction.atomic():
        endpoint_ids = require_answerer(actor, meeting)
        meeting, request = locked_pending(meeting)
        now = clock.now()
        meeting.status = MeetingStatus.SCHEDULED
        meeting.sequence += 1
        meeting.save(update_fields=["status", "sequence", "updated_at"])
        answer(request, decision=RequestDecision.APPROVED, actor=actor, now=now)
        after_write(meeting_ids=[meeting.pk], endpoint_ids=endpoint_ids, kind="invitation", notify=True)
        notify_requester(meeting, approved=True, reason="")
    return meeting


def reject_request(*, meeting: Meeting, actor: User, reason: str) -> Meeting:
    """Pending → cancelled with the reason: the meeting is kept, its rooms and ports are freed."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Cần ghi lý do từ chối.")]})
    with transaction.atomic():
        endpoint_ids = require_answerer(actor, meeting)
        meeting, request = locked_pending(meeting)
        now = clock.now()
        meeting.status = MeetingStatus.CANCELLED
        meeting.cancelled_at = now
        meeting.sequence += 1
        meeting.save(update_fields=["status", "cancelled_at", "sequence", "updated_at"])
        Participation.objects.filter(meeting=meeting).update(active=False)
        answer(request, decision=RequestDecision.REJECTED, actor=actor, now=now, reason=reason)
        after_write(meeting_ids=[meeting.pk], endpoint_ids=endpoint_ids, kind="cancellation", notify=True)
        notify_requester(meeting, approved=False, reason=reason)
    return meeting


def answer(request: MeetingRequest, *, decision: str, actor: User, now: datetime, reason: str = "") -> None:
    request.decision, request.answered_by, request.answered_at, request.reason = decision, actor, now, reason
    request.full_clean(exclude=["meeting", "answered_by"])
    request.save(update_fields=["decision", "answered_by", "answered_at", "reason"])


def notify_requester(meeting: Meeting, *, approved: bool, reason: str) -> None:
    """Tell the department the answer, once the decision is committed; never fails the answer."""
    address = meeting.organizer.email
    if not address:
        return
    when = timezone.localtime(meeting.start).strftime("%H:%M %d/%m/%Y")
    if approved:
        subject = _("Đề nghị họp đã được duyệt: %(title)s") % {"title": meeting.title}
        body = _("Cuộc họp “%(title)s” lúc %(when)s đã được văn phòng duyệt.")
    else:
        subject = _("Đề nghị họp bị từ chối: %(title)s") % {"title": meeting.title}
        body = _("Cuộc họp “%(title)s” lúc %(when)s bị từ chối. Lý do: %(reason)s")
    text = body % {"title": meeting.title, "when": when, "reason": reason}

    def send() -> None:
        try:
            send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [address])
        except Exception:
            logger.exception("Could not tell the requester of meeting %s", meeting.pk)

    transaction.on_commit(send, robust=True)


# ---------------------------------------------------------------------------- escalation


def office_addresses(meeting: Meeting) -> list[str]:
    """E-mail addresses of the office staff whose scope holds the meeting's host."""
    host_unit = meeting.host.unit
    units = [host_unit.pk, host_unit.parent_id, host_unit.parent.parent_id if host_unit.parent else None]
    staff = User.objects.filter(groups__name=Role.STAFF, is_active=True).exclude(email="")
    scoped = staff.filter(Q(profile__home_unit__isnull=True) | Q(profile__home_unit_id__in=[u for u in units if u]))
    return sorted(set(scoped.values_list("email", flat=True)))


def _office_staff() -> list[tuple[str, int | None]]:
    """(e-mail, home unit or None for the whole network) of every active office staff member."""
    staff = User.objects.filter(groups__name=Role.STAFF, is_active=True).exclude(email="")
    return list(staff.values_list("email", "profile__home_unit_id"))


def _addresses_for(meeting: Meeting, staff: list[tuple[str, int | None]]) -> list[str]:
    host_unit = meeting.host.unit
    units = {host_unit.pk, host_unit.parent_id, host_unit.parent.parent_id if host_unit.parent else None} - {None}
    return sorted({email for email, home in staff if home is None or home in units})


def _claim_requests(addresses: dict[int, list[str]], now: datetime) -> set[int]:
    """Set escalated_at on the requests not escalated yet, in one UPDATE … RETURNING: a second
    worker's claim of the same requests gets nothing back."""
    table = MeetingRequest._meta.db_table
    cases = " ".join(["WHEN %s THEN %s"] * len(addresses))
    params: list[str | int | datetime] = [now]
    for pk, emails in addresses.items():
        params += [pk, ", ".join(emails)[:500]]
    params += list(addresses)
    marks = ", ".join(["%s"] * len(addresses))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET escalated_at = %s, escalated_to = CASE id {cases} END "
            f"WHERE id IN ({marks}) AND escalated_at IS NULL RETURNING id",
            params,
        )
        return {row[0] for row in cursor.fetchall()}


def escalate_overdue_requests(now: datetime) -> int:
    """Mail the office about every pending request past its answer due time, once each; returns
    how many were escalated. Decided in two queries (the requests due, the office staff) and
    claimed in one statement before the mail goes out; a request whose mail cannot be sent is
    released again, so the next tick retries it."""
    due = list(
        MeetingRequest.objects.filter(
            decision="", escalated_at__isnull=True, answer_due__lte=now, meeting__status=MeetingStatus.PENDING
        ).select_related("meeting", "meeting__host__unit__parent")
    )
    if not due:
        return 0
    staff = _office_staff()
    addresses = {request.pk: _addresses_for(request.meeting, staff) for request in due}
    claimed = _claim_requests(addresses, now)
    escalated = 0
    for request in due:
        if request.pk not in claimed:
            continue
        meeting = request.meeting
        subject = _("Đề nghị họp quá hạn trả lời: %(title)s") % {"title": meeting.title}
        when = timezone.localtime(meeting.start).strftime("%H:%M %d/%m/%Y")
        text = _("Đề nghị họp “%(title)s” lúc %(when)s chưa được trả lời (hạn %(due)s).") % {
            "title": meeting.title,
            "when": when,
            "due": timezone.localtime(request.answer_due).strftime("%H:%M %d/%m/%Y"),
        }
        try:
            if addresses[request.pk]:
                send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, addresses[request.pk])
        except Exception:
            logger.exception("Could not escalate the request of meeting %s", meeting.pk)
            MeetingRequest.objects.filter(pk=request.pk).update(escalated_at=None, escalated_to="")
            continue
        escalated += 1
    return escalated


def requests_of(user: User) -> "list[MeetingRequest]":
    """A requester's own requests, newest first."""
    return list(
        MeetingRequest.objects.filter(meeting__organizer=user)
        .select_related("meeting", "meeting__host", "answered_by")
        .order_by("-meeting__created_at")[:200]
    )


def pending_for(user: User, *, now: datetime) -> "list[MeetingRequest]":
    """Unanswered requests whose rooms are all in the user's scope, by due time."""
    from rooms.permissions import endpoints_in_scope

    open_requests_ = MeetingRequest.objects.filter(decision="", meeting__status=MeetingStatus.PENDING)
    outside = Participation.objects.filter(meeting__request__in=open_requests_).exclude(
        endpoint__in=endpoints_in_scope(user)
    )
    return list(
        open_requests_.exclude(meeting__participations__in=outside)
        .select_related("meeting", "meeting__host", "meeting__organizer__profile")
        .order_by("answer_due")[:500]
    )
