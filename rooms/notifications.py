"""E-mail to the operators of the endpoints a booking concerns: invitations, changes and
cancellations, each with the meeting's .ics attached (text/calendar; method=REQUEST or CANCEL).

Sent from `transaction.on_commit` by the booking services, so a refused or rolled-back booking
never mails anyone. One message per operator, whatever the number of meetings (a series).
"""

from collections import defaultdict
from email.mime.text import MIMEText

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rooms import ical
from rooms.models import Meeting, MeetingStatus, Participation

SUBJECTS = {
    "invitation": "Mời họp",
    "change": "Thay đổi lịch họp",
    "cancellation": "Hủy lịch họp",
}


def calendar_part(meeting: Meeting, *, method: str, body: str | None = None) -> MIMEText:
    """The meeting's .ics as a mail part; `body` when the caller already rendered it."""
    if body is None:
        body = ical.invite_calendar(meeting, method=method).decode()
    part = MIMEText(body, "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename=f"hop-{meeting.pk}.ics")
    return part


def recipients(meeting_ids: list[int], removed: dict[int, list[int]]) -> dict[int, dict[int, str]]:
    """operator id -> {meeting id -> method}: REQUEST (CANCEL once cancelled) for the operators
    of endpoints in the meeting, CANCEL for those of endpoints taken out of it. Asked with ids
    only, so a 250-endpoint meeting whose operators have no e-mail costs one small query."""
    mail: dict[int, dict[int, str]] = defaultdict(dict)
    inside = (
        Participation.objects.filter(meeting_id__in=meeting_ids, endpoint__operators__email__gt="")
        .values_list("meeting_id", "endpoint__operators", "meeting__status")
        .distinct()
    )
    for meeting_id, user_id, status in inside:
        mail[user_id][meeting_id] = "CANCEL" if status == MeetingStatus.CANCELLED else "REQUEST"
    for meeting_id, endpoint_ids in removed.items():
        gone = User.objects.filter(operated_endpoints__in=endpoint_ids).exclude(email="").values_list("pk", flat=True)
        for user_id in set(gone):
            mail[user_id].setdefault(meeting_id, "CANCEL")
    return mail


def send_meeting_mail(*, meeting_ids: list[int], kind: str, removed: dict[int, list[int]] | None = None) -> int:
    """Mail every operator concerned; returns the number of messages sent."""
    wanted = recipients(meeting_ids, removed or {})
    if not wanted:
        return 0
    users = User.objects.in_bulk(list(wanted))
    meetings = Meeting.objects.select_related("host", "bridge", "organizer").in_bulk(meeting_ids)
    parts: dict[tuple[int, str], MIMEText] = {}  # one .ics per meeting and method, shared by all
    messages = []
    for user_id, methods in sorted(wanted.items()):
        operator = users[user_id]
        items = sorted(((meetings[pk], method) for pk, method in methods.items()), key=lambda i: (i[0].start, i[0].pk))
        first = items[0][0]
        subject = f"{_(SUBJECTS[kind])}: {first.title}"
        if len(items) > 1:
            subject += " " + _("(%(n)s buổi)") % {"n": len(items)}
        else:
            subject += f" — {timezone.localtime(first.start):%d/%m/%Y %H:%M}"
        context = {
            "operator": operator,
            "kind": kind,
            "items": [
                {
                    "meeting": meeting,
                    "cancelled": method == "CANCEL",
                    "url": settings.SITE_URL + reverse("meeting-detail", args=[meeting.pk]),
                }
                for meeting, method in items
            ],
        }
        message = EmailMessage(
            subject=subject,
            body=render_to_string("email/meeting_message.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[operator.email],
        )
        attached = set()
        for meeting, method in items:
            # Every occurrence of a series is invited by the one series invitation (rooms/ical_series.py).
            key = (-meeting.series_id, method) if meeting.series_id and method == "REQUEST" else (meeting.pk, method)
            if key not in parts:
                parts[key] = calendar_part(meeting, method=method)
            if key not in attached:
                attached.add(key)
                message.attach(parts[key])
        messages.append(message)
    return get_connection().send_messages(messages) or 0
