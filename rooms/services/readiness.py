"""The readiness ladder's jobs (run by the worker's minute tick, rooms/jobs.py): the reminder the
day before, and the escalation of rooms not ready to the province's technical desk.

Each job computes what is due from the database and, per meeting, claims its notices (INSERT …
ON CONFLICT DO NOTHING RETURNING: only the rows this call inserted come back) and sends their
mail in the same transaction. A failed send rolls the claim back, so the next tick tries again;
a second worker's claim of the same rows waits for the first and gets nothing back.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rooms import notifications
from rooms.broadcast import broadcast_attendance_changed
from rooms.models import Endpoint, Meeting, Notice, NoticeKind, ProvinceSettings, TestResult
from rooms.models.accounts import person_name
from rooms.selectors import readiness

logger = logging.getLogger(__name__)
CLAIM_CHUNK = 500


def claim(*, kind: str, meeting_id: int, endpoints: dict[int, str], now: datetime) -> list[int]:
    """Insert the notices of these endpoints (endpoint -> addresses told); returns the endpoints
    whose row this call inserted. Must run inside the transaction that sends their mail."""
    table = Notice._meta.db_table
    claimed: list[int] = []
    items = sorted(endpoints.items())
    for i in range(0, len(items), CLAIM_CHUNK):
        chunk = items[i : i + CLAIM_CHUNK]
        values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(chunk))
        params: list[str | int | datetime] = []
        for endpoint_id, sent_to in chunk:
            params += [kind, meeting_id, endpoint_id, now, sent_to[:500]]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (kind, meeting_id, endpoint_id, sent_at, sent_to) VALUES {values} "
                "ON CONFLICT (kind, meeting_id, endpoint_id) DO NOTHING RETURNING endpoint_id",
                params,
            )
            claimed += [row[0] for row in cursor.fetchall()]
    return sorted(claimed)


def _by_meeting(rows: list[tuple[int, int]]) -> dict[int, list[int]]:
    grouped: dict[int, list[int]] = defaultdict(list)
    for meeting_id, endpoint_id in rows:
        grouped[meeting_id].append(endpoint_id)
    return grouped


def _each_meeting(rows: list[tuple[int, int]], handle: Callable[[Meeting, list[int]], int]) -> int:
    """Run `handle` per meeting in its own transaction; a meeting that fails is logged and left
    for the next tick, the others go on."""
    sent = 0
    grouped = _by_meeting(rows)
    meetings = Meeting.objects.select_related("host", "bridge", "series").in_bulk(list(grouped))
    for meeting_id, endpoint_ids in sorted(grouped.items()):
        try:
            with transaction.atomic():
                sent += handle(meetings[meeting_id], endpoint_ids)
        except Exception:
            logger.exception("Readiness notices of meeting %s not sent; the next tick retries", meeting_id)
    return sent


def _operators(endpoint_ids: list[int]) -> dict[int, list[User]]:
    people: dict[int, list[User]] = defaultdict(list)
    rows = Endpoint.operators.through.objects.filter(endpoint_id__in=endpoint_ids, user__email__gt="")
    for row in rows.select_related("user__profile").order_by("user_id"):
        people[row.endpoint_id].append(row.user)
    return people


def _remind_meeting(meeting: Meeting, endpoint_ids: list[int], now: datetime) -> int:
    people = _operators(endpoint_ids)
    told = {pk: ", ".join(user.email for user in people.get(pk, [])) for pk in endpoint_ids}
    claimed = claim(kind=NoticeKind.REMINDER, meeting_id=meeting.pk, endpoints=told, now=now)
    rooms = Endpoint.objects.in_bulk(claimed)
    recipients: dict[int, tuple[User, Endpoint]] = {}
    for endpoint_id in claimed:
        for user in people.get(endpoint_id, []):
            recipients.setdefault(user.pk, (user, rooms[endpoint_id]))
    if recipients:
        _send_reminders(meeting, list(recipients.values()))
    return len(claimed)


def _send_reminders(meeting: Meeting, recipients: list[tuple[User, Endpoint]]) -> None:
    part = notifications.calendar_part(meeting, method="REQUEST")
    context = {
        "meeting": meeting,
        "url": settings.SITE_URL + reverse("meeting-detail", args=[meeting.pk]),
        "my_room": settings.SITE_URL + reverse("my-room"),
        "test_opens": readiness.test_opens(meeting.start),
    }
    messages = []
    for user, endpoint in recipients:
        subject = f"{_('Nhắc lịch họp')}: {meeting.title} — {timezone.localtime(meeting.start):%d/%m/%Y %H:%M}"
        body = render_to_string("email/readiness_reminder.txt", {**context, "operator": user, "endpoint": endpoint})
        message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        message.attach(part)
        messages.append(message)
    get_connection().send_messages(messages)


def send_reminders(now: datetime) -> int:
    """The day before (from REMINDER_AT), each room's operators get a reminder with the .ics.
    Returns the rooms reminded."""
    return _each_meeting(readiness.reminders_due(now), lambda meeting, ids: _remind_meeting(meeting, ids, now))


def _room_lines(meeting: Meeting, endpoint_ids: list[int]) -> list[dict]:
    tests = readiness.latest_tests([meeting.pk])
    people = _operators(endpoint_ids)
    lines = []
    for endpoint in Endpoint.objects.filter(pk__in=endpoint_ids).order_by("name", "pk"):
        result, note = tests.get((meeting.pk, endpoint.pk), ("", ""))
        standing = _("gọi thử lỗi") if result == TestResult.FAILED else _("chưa gọi thử, chưa báo kết nối")
        operators = [
            {
                "name": person_name(user),
                "phone": getattr(getattr(user, "profile", None), "phone", ""),
                "email": user.email,
            }
            for user in people.get(endpoint.pk, [])
        ]
        lines.append(
            {"pk": endpoint.pk, "name": endpoint.name, "standing": standing, "note": note, "operators": operators}
        )
    return lines


def _escalate_meeting(meeting: Meeting, endpoint_ids: list[int], now: datetime) -> int:
    provinces = readiness.province_codes(endpoint_ids)
    desks = {
        code: (name, email)
        for code, name, email in ProvinceSettings.objects.filter(province_code__in=set(provinces.values())).values_list(
            "province_code", "name", "desk_email"
        )
    }
    told = {pk: desks.get(provinces.get(pk, ""), ("", ""))[1] for pk in endpoint_ids}
    claimed = set(claim(kind=NoticeKind.ESCALATION, meeting_id=meeting.pk, endpoints=told, now=now))
    if not claimed:
        return 0
    transaction.on_commit(lambda: broadcast_attendance_changed(meeting.pk), robust=True)
    by_desk: dict[str, list[dict]] = defaultdict(list)
    for line in _room_lines(meeting, sorted(claimed)):
        if address := told[line["pk"]]:
            by_desk[address].append(line)
    messages = []
    url = settings.SITE_URL + reverse("live-board", args=[meeting.pk])
    for address, lines in sorted(by_desk.items()):
        province = next(name for name, email in desks.values() if email == address)
        subject = f"{_('Điểm cầu chưa sẵn sàng')}: {meeting.title} — {timezone.localtime(meeting.start):%H:%M %d/%m/%Y}"
        body = render_to_string(
            "email/readiness_escalation.txt", {"meeting": meeting, "rooms": lines, "province": province, "url": url}
        )
        messages.append(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address]))
    if messages:
        get_connection().send_messages(messages)
    return len(claimed)


def escalate_unready(now: datetime) -> int:
    """ESCALATION_MINUTES before the start, rooms with no successful test call and no check-in
    are reported to their province's technical desk (e-mail, and the board's flag), once.
    Returns the rooms escalated."""
    return _each_meeting(readiness.escalations_due(now), lambda meeting, ids: _escalate_meeting(meeting, ids, now))
