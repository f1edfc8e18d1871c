"""The readiness ladder's jobs (run by the worker's minute tick, rooms/jobs.py): the reminder the
day before, and the escalation of rooms not ready to the province's technical desk.

Each job decides what is due in one query and claims it in bulk, in one transaction: the notices
(INSERT … ON CONFLICT DO NOTHING RETURNING: only the rows this call inserted come back; a second
worker's claim of the same rows waits for the first and gets nothing back), then the messages of
the claimed rows (rooms/services/notice_mail.py), whose delivery is queued for the worker after
the commit. No mail is sent inside the tick, so its cost does not grow with the mail server's.
"""

import logging
from collections import defaultdict
from datetime import datetime
from functools import partial

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rooms.broadcast import broadcast_attendance_changed
from rooms.models import Endpoint, Meeting, Notice, NoticeKind, ProvinceSettings, TestResult
from rooms.models.accounts import person_name
from rooms.selectors import readiness
from rooms.services import notice_mail
from rooms.services.notice_mail import Draft

logger = logging.getLogger(__name__)
CLAIM_CHUNK = 500
Row = tuple[int, int]  # (meeting id, endpoint id)


def claim_rows(*, kind: str, told: dict[Row, str], now: datetime) -> list[Row]:
    """Insert the notices of these (meeting, endpoint) rows (-> addresses told); returns the rows
    this call inserted. Must run inside the transaction that records their messages."""
    table = Notice._meta.db_table
    claimed: list[Row] = []
    items = sorted(told.items())
    for i in range(0, len(items), CLAIM_CHUNK):
        chunk = items[i : i + CLAIM_CHUNK]
        values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(chunk))
        params: list[str | int | datetime] = []
        for (meeting_id, endpoint_id), sent_to in chunk:
            params += [kind, meeting_id, endpoint_id, now, sent_to[:500]]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (kind, meeting_id, endpoint_id, sent_at, sent_to) VALUES {values} "
                "ON CONFLICT (kind, meeting_id, endpoint_id) DO NOTHING RETURNING meeting_id, endpoint_id",
                params,
            )
            claimed += [(row[0], row[1]) for row in cursor.fetchall()]
    return sorted(claimed)


def claim(*, kind: str, meeting_id: int, endpoints: dict[int, str], now: datetime) -> list[int]:
    """One meeting's claim (see claim_rows); returns the endpoints this call inserted."""
    rows = claim_rows(kind=kind, told={(meeting_id, pk): to for pk, to in endpoints.items()}, now=now)
    return [endpoint_id for _meeting_id, endpoint_id in rows]


def _operators(endpoint_ids: list[int]) -> dict[int, list[User]]:
    people: dict[int, list[User]] = defaultdict(list)
    rows = Endpoint.operators.through.objects.filter(endpoint_id__in=endpoint_ids, user__email__gt="")
    for row in rows.select_related("user__profile").order_by("user_id"):
        people[row.endpoint_id].append(row.user)
    return people


def _meetings(rows: list[Row]) -> dict[int, Meeting]:
    return Meeting.objects.select_related("host", "bridge").in_bulk({meeting_id for meeting_id, _e in rows})


def _reminder_drafts(claimed: list[Row], people: dict[int, list[User]]) -> list[Draft]:
    meetings = _meetings(claimed)
    rooms = Endpoint.objects.in_bulk({endpoint_id for _m, endpoint_id in claimed})
    my_room = settings.SITE_URL + reverse("my-room")
    drafts: dict[tuple[int, str], Draft] = {}
    for meeting_id, endpoint_id in claimed:
        meeting = meetings[meeting_id]
        for user in people.get(endpoint_id, []):
            if (meeting_id, user.email) in drafts:
                continue
            context = {
                "meeting": meeting,
                "url": settings.SITE_URL + reverse("meeting-detail", args=[meeting_id]),
                "my_room": my_room,
                "test_opens": readiness.test_opens(meeting.start),
                "operator": user,
                "endpoint": rooms[endpoint_id],
            }
            subject = f"{_('Nhắc lịch họp')}: {meeting.title} — {timezone.localtime(meeting.start):%d/%m/%Y %H:%M}"
            body = render_to_string("email/readiness_reminder.txt", context)
            drafts[(meeting_id, user.email)] = Draft(NoticeKind.REMINDER, meeting_id, user.email, subject, body)
    return list(drafts.values())


def send_reminders(now: datetime) -> int:
    """The day before (from REMINDER_AT), each room's operators get a reminder with the .ics
    (one message per operator and meeting). Returns the rooms reminded."""
    due = readiness.reminders_due(now)
    if not due:
        return 0
    people = _operators(sorted({endpoint_id for _m, endpoint_id in due}))
    told = {row: ", ".join(user.email for user in people.get(row[1], [])) for row in due}
    with transaction.atomic():
        claimed = claim_rows(kind=NoticeKind.REMINDER, told=told, now=now)
        if claimed:
            notice_mail.queue_after_commit(notice_mail.record(_reminder_drafts(claimed, people), now))
    return len(claimed)


def _room_lines(claimed: list[Row]) -> dict[Row, dict]:
    tests = readiness.latest_tests({meeting_id for meeting_id, _e in claimed})
    endpoint_ids = sorted({endpoint_id for _m, endpoint_id in claimed})
    people = _operators(endpoint_ids)
    rooms = Endpoint.objects.in_bulk(endpoint_ids)
    lines = {}
    for meeting_id, endpoint_id in claimed:
        endpoint = rooms[endpoint_id]
        result, note = tests.get((meeting_id, endpoint_id), ("", ""))
        standing = _("gọi thử lỗi") if result == TestResult.FAILED else _("chưa gọi thử, chưa báo kết nối")
        operators = [
            {
                "name": person_name(user),
                "phone": getattr(getattr(user, "profile", None), "phone", ""),
                "email": user.email,
            }
            for user in people.get(endpoint_id, [])
        ]
        lines[(meeting_id, endpoint_id)] = {
            "pk": endpoint_id,
            "name": endpoint.name,
            "standing": standing,
            "note": note,
            "operators": operators,
        }
    return lines


def _escalation_drafts(claimed: list[Row], told: dict[Row, str], desks: dict[str, tuple[str, str]]) -> list[Draft]:
    meetings = _meetings(claimed)
    lines = _room_lines(claimed)
    province_of = {email: name for name, email in desks.values()}
    by_desk: dict[tuple[int, str], list[dict]] = defaultdict(list)
    for row in claimed:
        if address := told[row]:
            by_desk[(row[0], address)].append(lines[row])
    drafts = []
    for (meeting_id, address), rooms in sorted(by_desk.items()):
        meeting = meetings[meeting_id]
        rooms.sort(key=lambda line: (line["name"], line["pk"]))
        url = settings.SITE_URL + reverse("live-board", args=[meeting_id])
        subject = f"{_('Điểm cầu chưa sẵn sàng')}: {meeting.title} — {timezone.localtime(meeting.start):%H:%M %d/%m/%Y}"
        body = render_to_string(
            "email/readiness_escalation.txt",
            {"meeting": meeting, "rooms": rooms, "province": province_of[address], "url": url},
        )
        drafts.append(Draft(NoticeKind.ESCALATION, meeting_id, address, subject, body))
    return drafts


def escalate_unready(now: datetime) -> int:
    """ESCALATION_MINUTES before the start, rooms with no successful test call and no check-in
    are reported to their province's technical desk (e-mail, and the board's flag), once.
    Returns the rooms escalated."""
    due = readiness.escalations_due(now)
    if not due:
        return 0
    provinces = readiness.province_codes({endpoint_id for _m, endpoint_id in due})
    desks = {
        code: (name, email)
        for code, name, email in ProvinceSettings.objects.filter(province_code__in=set(provinces.values())).values_list(
            "province_code", "name", "desk_email"
        )
    }
    told = {row: desks.get(provinces.get(row[1], ""), ("", ""))[1] for row in due}
    with transaction.atomic():
        claimed = claim_rows(kind=NoticeKind.ESCALATION, told=told, now=now)
        if claimed:
            notice_mail.queue_after_commit(notice_mail.record(_escalation_drafts(claimed, told, desks), now))
            for meeting_id in sorted({meeting_id for meeting_id, _e in claimed}):
                transaction.on_commit(partial(broadcast_attendance_changed, meeting_id), robust=True)
    return len(claimed)
