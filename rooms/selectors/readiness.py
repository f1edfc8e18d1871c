"""The readiness ladder, read side: which rooms are due a reminder or an escalation now, and how
each room stood before a meeting (tested, failed, escalated), for the board and the report.

Every "due" query leaves out what the notices table says was already sent, so a tick computes
only the new work whatever happened to the ticks before it.
"""

from collections.abc import Iterable
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from rooms.models import CheckIn, CheckInKind, Meeting, MeetingStatus, Notice, NoticeKind, Participation, TestResult
from rooms.models.units import Level


class Readiness:
    """A room's test-call standing in one meeting, as the board shows it."""

    TESTED = "tested"
    FAILED = "test_failed"
    NOT_TESTED = "not_tested"


def test_opens(meeting_start: datetime) -> datetime:
    return meeting_start - timedelta(minutes=settings.VCONF["TEST_CALL_OPENS_MINUTES"])


def escalation_moment(meeting_start: datetime) -> datetime:
    return meeting_start - timedelta(minutes=settings.VCONF["ESCALATION_MINUTES"])


def reminders_due_until(now: datetime) -> datetime:
    """Meetings starting before this moment are due their reminder: the end of tomorrow once
    today's reminder time (REMINDER_AT, local) has passed, else the end of today."""
    local_now = timezone.localtime(now)
    last_day = local_now.date()
    if local_now.time() >= time.fromisoformat(settings.VCONF["REMINDER_AT"]):
        last_day += timedelta(days=1)
    return timezone.make_aware(datetime.combine(last_day + timedelta(days=1), time()))


def _not_noticed(kind: str) -> Exists:
    return Exists(
        Notice.objects.filter(kind=kind, meeting_id=OuterRef("meeting_id"), endpoint_id=OuterRef("endpoint_id"))
    )


def reminders_due(now: datetime) -> list[tuple[int, int]]:
    """(meeting, endpoint) of the live bookings starting between now and reminders_due_until(now)
    whose room has an operator with an e-mail address and was not reminded yet."""
    rows = (
        Participation.objects.filter(
            active=True,
            meeting__status=MeetingStatus.SCHEDULED,
            start__gt=now,
            start__lt=reminders_due_until(now),
            endpoint__operators__email__gt="",
        )
        .exclude(_not_noticed(NoticeKind.REMINDER))
        .values_list("meeting_id", "endpoint_id")
        .distinct()
    )
    return sorted(rows)


def escalations_due(now: datetime) -> list[tuple[int, int]]:
    """(meeting, endpoint) of rooms not ready ESCALATION_MINUTES before a start still ahead: no
    successful test call and no check-in yet, and not escalated already."""
    horizon = now + timedelta(minutes=settings.VCONF["ESCALATION_MINUTES"])
    ready = CheckIn.objects.filter(meeting_id=OuterRef("meeting_id"), endpoint_id=OuterRef("endpoint_id")).filter(
        Q(kind=CheckInKind.IN) | Q(kind=CheckInKind.TEST, result=TestResult.OK)
    )
    rows = (
        Participation.objects.filter(
            active=True, meeting__status=MeetingStatus.SCHEDULED, start__gt=now, start__lte=horizon
        )
        .exclude(Exists(ready))
        .exclude(_not_noticed(NoticeKind.ESCALATION))
        .values_list("meeting_id", "endpoint_id")
    )
    return sorted(rows)


def latest_tests(meeting_ids: Iterable[int]) -> dict[tuple[int, int], tuple[str, str]]:
    """(meeting, endpoint) -> (result, note) of the latest test call."""
    latest: dict[tuple[int, int], tuple[str, str]] = {}
    rows = CheckIn.objects.filter(meeting_id__in=list(meeting_ids), kind=CheckInKind.TEST).order_by("at", "id")
    for meeting_id, endpoint_id, result, note in rows.values_list("meeting_id", "endpoint_id", "result", "note"):
        latest[(meeting_id, endpoint_id)] = (result or "", note)
    return latest


def escalated(meeting_ids: Iterable[int]) -> set[tuple[int, int]]:
    rows = Notice.objects.filter(meeting_id__in=list(meeting_ids), kind=NoticeKind.ESCALATION)
    return set(rows.values_list("meeting_id", "endpoint_id"))


def board_readiness(meeting: Meeting) -> dict[int, tuple[str, bool]]:
    """endpoint -> (tested | test_failed, escalated) for the live board's rooms that tested or
    were escalated (two queries); a room missing from it has not tested."""
    labels: dict[str, str] = {TestResult.OK: Readiness.TESTED, TestResult.FAILED: Readiness.FAILED}
    raised = escalated([meeting.pk])
    standing = {
        endpoint_id: (labels.get(result, Readiness.NOT_TESTED), (meeting_id, endpoint_id) in raised)
        for (meeting_id, endpoint_id), (result, _note) in latest_tests([meeting.pk]).items()
    }
    for _meeting_id, endpoint_id in raised:
        standing.setdefault(endpoint_id, (Readiness.NOT_TESTED, True))
    return standing


def province_codes(endpoint_ids: Iterable[int]) -> dict[int, str]:
    """endpoint -> the code of the province its unit lies in (at most two levels up)."""
    from rooms.models import Endpoint

    fields = ["unit__code", "unit__level", "unit__parent__code", "unit__parent__level"]
    fields += ["unit__parent__parent__code", "unit__parent__parent__level"]
    codes = {}
    for pk, *chain in Endpoint.objects.filter(pk__in=list(endpoint_ids)).values_list("pk", *fields):
        pairs = list(zip(chain[::2], chain[1::2], strict=True))
        codes[pk] = next((code for code, level in pairs if level == Level.PROVINCE), "")
    return codes
