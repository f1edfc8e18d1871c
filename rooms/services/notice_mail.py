"""The readiness ladder's messages, recorded by the tick and delivered by the worker.

The tick writes one NoticeMail per (kind, meeting, recipient) with one INSERT … ON CONFLICT DO
NOTHING RETURNING: only the rows this call inserted come back, so a second worker (or a re-run)
gets nothing and queues nothing. The worker's deliver_notice_mail (rooms/tasks.py) sends one row
under a row lock and sets sent_at, so a re-run after a send never sends again; a failure after
the last retry is recorded on the meeting (Meeting.invitations_unsent) for staff to see.
"""

import logging
import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import Count, Max

from rooms import ical, notifications
from rooms.models import Meeting, NoticeKind, NoticeMail

logger = logging.getLogger(__name__)
CHUNK = 500
UNSENT_MARK = "notice"  # Meeting.invitations_unsent after a readiness message could not be sent


@dataclass(frozen=True)
class Draft:
    kind: str
    meeting_id: int
    recipient: str
    subject: str
    body: str


def record(drafts: list[Draft], now: datetime) -> list[int]:
    """Insert the drafts not recorded yet; returns the ids of the rows this call inserted."""
    table = NoticeMail._meta.db_table
    ids: list[int] = []
    for i in range(0, len(drafts), CHUNK):
        chunk = drafts[i : i + CHUNK]
        values = ", ".join(["(%s, %s, %s, %s, %s, %s, 0, '')"] * len(chunk))
        params: list[str | int | datetime] = []
        for d in chunk:
            params += [d.kind, d.meeting_id, d.recipient[:254], d.subject[:300], d.body, now]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (kind, meeting_id, recipient, subject, body, created_at, attempts, last_error) "
                f"VALUES {values} ON CONFLICT (kind, meeting_id, recipient) DO NOTHING RETURNING id",
                params,
            )
            ids += [row[0] for row in cursor.fetchall()]
    return sorted(ids)


def queue_after_commit(ids: list[int]) -> None:
    """Queue the delivery of these rows once the tick's transaction commits."""
    if not ids:
        return
    from rooms import jobs
    from rooms.tasks import deliver_notice_mail  # the tasks module imports this one

    transaction.on_commit(lambda: jobs.enqueue_many(deliver_notice_mail, [(pk,) for pk in ids]), robust=True)


def _message(mail: NoticeMail) -> EmailMessage:
    message = EmailMessage(mail.subject, mail.body, settings.DEFAULT_FROM_EMAIL, [mail.recipient])
    if mail.kind == NoticeKind.REMINDER:
        message.attach(notifications.calendar_part(mail.meeting, method="REQUEST", body=_invitation(mail.meeting)))
    return message


# A national meeting's reminder goes to 3,356 operators with the same .ics, which names all 3,356
# rooms: the worker renders it once per version of the meeting instead of once per message. The
# version is the meeting's own (sequence, last change) and its participations' (count, last id),
# so a booking change of any kind renders it anew; a change to the operators (its ATTENDEEs) shows
# once the copy is FRESH_SECONDS old.
_invitations: dict[int, tuple[tuple, float, str]] = {}
FRESH_SECONDS = 600


def _invitation(meeting: Meeting) -> str:
    rows = meeting.participations.aggregate(count=Count("pk"), last=Max("pk"))
    version = (meeting.sequence, meeting.updated_at, meeting.status, rows["count"], rows["last"])
    cached = _invitations.get(meeting.pk)
    if cached is not None and cached[0] == version and time.monotonic() - cached[1] < FRESH_SECONDS:
        return cached[2]
    body = ical.invite_calendar(meeting, method="REQUEST").decode()
    if len(_invitations) >= 64:
        _invitations.clear()
    _invitations[meeting.pk] = (version, time.monotonic(), body)
    return body


def deliver(mail_id: int, *, last_try: bool) -> bool:
    """One try at sending one recorded message; True if it went out now. Raises so the worker
    retries, except on the last try, which records the failure on the meeting."""
    failure: Exception | None = None
    with transaction.atomic():
        mail = NoticeMail.objects.select_for_update().filter(pk=mail_id).first()
        if mail is None or mail.sent_at is not None:
            return False
        mail.attempts += 1
        try:
            _message(mail).send()
        except Exception as error:
            failure = error
            mail.last_error = str(error)[:500] or type(error).__name__
            mail.save(update_fields=["attempts", "last_error"])
            if last_try:
                Meeting.objects.filter(pk=mail.meeting_id, invitations_unsent="").update(invitations_unsent=UNSENT_MARK)
        else:
            from vconf import clock

            mail.sent_at = clock.now()
            mail.save(update_fields=["attempts", "sent_at"])
    if failure is None:
        return True
    if last_try:
        logger.error("Notice mail %s could not be sent; recorded on meeting %s", mail_id, mail.meeting_id)
        return False
    logger.warning("Notice mail %s could not be sent (%s); the worker retries", mail_id, failure)
    raise failure


def unsent_of(meeting: Meeting) -> list[int]:
    """The meeting's recorded messages still unsent (for a staff resend)."""
    return list(NoticeMail.objects.filter(meeting=meeting, sent_at__isnull=True).values_list("pk", flat=True))
