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
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rooms.broadcast import broadcast_attendance_changed
from rooms.models import Endpoint, Meeting, Notice, NoticeKind, ProvinceSettings, TestResult
from rooms.models.accounts import name_as_written
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


@dataclass(frozen=True)
class Person:
    """An operator as the messages name them, read as values (no model instances at national size)."""

    email: str
    name: str
    phone: str


def _operators(endpoint_ids: list[int]) -> dict[int, list[Person]]:
    people: dict[int, list[Person]] = defaultdict(list)
    rows = Endpoint.operators.through.objects.filter(endpoint_id__in=endpoint_ids, user__email__gt="")
    for endpoint_id, email, full_name, last, first, username, phone in rows.order_by("user_id").values_list(
        "endpoint_id",
        "user__email",
        "user__profile__full_name",
        "user__last_name",
        "user__first_name",
        "user__username",
        "user__profile__phone",
    ):
        name = name_as_written(full_name or "", last, first, username)
        people[endpoint_id].append(Person(email, name, phone or ""))
    return people


def _meetings(rows: list[Row]) -> dict[int, Meeting]:
    return Meeting.objects.select_related("host", "bridge").in_bulk({meeting_id for meeting_id, _e in rows})


def _room_names(rows: list[Row]) -> dict[int, str]:
    return dict(Endpoint.objects.filter(pk__in={endpoint_id for _m, endpoint_id in rows}).values_list("pk", "name"))


# The reminder is rendered once per meeting with these marks where the operator's and the room's
# names go, then personalised by replacing them: 3,356 renders of the template for a national
# meeting would cost the tick more than all its queries. NUL never occurs in a name.
OPERATOR_MARK, ROOM_MARK = "\x00operator\x00", "\x00room\x00"


def _reminder_text(meeting: Meeting, my_room: str) -> str:
    context = {
        "meeting": meeting,
        "url": settings.SITE_URL + reverse("meeting-detail", args=[meeting.pk]),
        "my_room": my_room,
        "test_opens": readiness.test_opens(meeting.start),
        "operator_name": OPERATOR_MARK,
        "room_name": ROOM_MARK,
    }
    return render_to_string("email/readiness_reminder.txt", context)


def _reminder_drafts(claimed: list[Row], people: dict[int, list[Person]]) -> list[Draft]:
    meetings = _meetings(claimed)
    rooms = _room_names(claimed)
    my_room = settings.SITE_URL + reverse("my-room")
    texts: dict[int, tuple[str, str]] = {}
    drafts: dict[tuple[int, str], Draft] = {}
    for meeting_id, endpoint_id in claimed:
        meeting = meetings[meeting_id]
        if meeting_id not in texts:
            start = timezone.localtime(meeting.start)
            subject = f"{_('Nhắc lịch họp')}: {meeting.title} — {start:%d/%m/%Y %H:%M}"
            texts[meeting_id] = (subject, _reminder_text(meeting, my_room))
        subject, text = texts[meeting_id]
        for person in people.get(endpoint_id, []):
            if (meeting_id, person.email) in drafts:
                continue
            body = text.replace(OPERATOR_MARK, person.name).replace(ROOM_MARK, rooms[endpoint_id])
            drafts[(meeting_id, person.email)] = Draft(NoticeKind.REMINDER, meeting_id, person.email, subject, body)
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
    people = _operators(sorted({endpoint_id for _m, endpoint_id in claimed}))
    rooms = _room_names(claimed)
    failed, untested = _("gọi thử lỗi"), _("chưa gọi thử, chưa báo kết nối")
    lines = {}
    for meeting_id, endpoint_id in claimed:
        result, note = tests.get((meeting_id, endpoint_id), ("", ""))
        lines[(meeting_id, endpoint_id)] = {
            "pk": endpoint_id,
            "name": rooms[endpoint_id],
            "standing": failed if result == TestResult.FAILED else untested,
            "note": note,
            "operators": people.get(endpoint_id, []),
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
