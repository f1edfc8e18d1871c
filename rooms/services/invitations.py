"""E-mail that must not fail a committed booking: the booking services' after-commit hook, the
worker's delivery with retries, and the resend action staff use when it could not be sent (SMTP
down, a refused header).

A booking is committed before its mail goes out: the hook queues it for the worker
(rooms/tasks.py), which retries with backoff. A failed try is recorded on the meeting at once
(Meeting.invitations_unsent), so the meeting page shows staff what is still unsent while the
worker retries; a later successful try clears it, a failure after the last try leaves it for
staff to resend. A header the mail library refuses is not retried: it will never go out.
"""

import logging
from collections.abc import Collection

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from rooms import notifications
from rooms.models import Meeting, MeetingStatus, Participation
from rooms.services.booking import require_booker, require_in_scope
from vconf import clock
from vconf.exceptions import Conflict

logger = logging.getLogger(__name__)


class MailNotSent(Exception):
    """The mail server refused or could not be reached (the API answers 503)."""


def mark_unsent(meeting_ids: Collection[int], kind: str) -> None:
    try:
        Meeting.objects.filter(pk__in=list(meeting_ids)).update(invitations_unsent=kind)
    except Exception:
        logger.exception("Could not record the unsent %s of meetings %s", kind, list(meeting_ids))


def send_after_commit(*, meeting_ids: list[int], kind: str, removed: dict[int, list[int]] | None = None) -> None:
    """Registered with `transaction.on_commit` by the booking services: queues the mail for the
    worker, and never raises (a queue that cannot be reached is recorded like a failed send)."""
    from rooms.tasks import deliver_meeting_mail  # the tasks module imports this one

    try:
        deliver_meeting_mail(meeting_ids, kind, removed or {})
    except Exception:
        logger.exception("The %s of meetings %s could not be queued", kind, meeting_ids)
        mark_unsent(meeting_ids, kind)


def deliver(*, meeting_ids: list[int], kind: str, removed: dict[int, list[int]], last_try: bool) -> int:
    """One try of the worker's delivery; returns the messages sent. Raises (so the worker retries)
    unless this was the last try or the message can never be sent."""
    try:
        sent = notifications.send_meeting_mail(meeting_ids=meeting_ids, kind=kind, removed=removed)
    except Exception as error:
        mark_unsent(meeting_ids, kind)
        never = isinstance(error, ValueError)  # e.g. BadHeaderError: a newline in a subject
        if last_try or never:
            logger.exception("The %s of meetings %s could not be sent; left for staff to resend", kind, meeting_ids)
            return 0
        logger.warning("The %s of meetings %s could not be sent (%s); the worker retries", kind, meeting_ids, error)
        raise
    # Cleared only if nothing else went unsent since (a later change's mail, say).
    Meeting.objects.filter(pk__in=meeting_ids, invitations_unsent=kind).update(invitations_unsent="")
    return sent


def resend_invitations(*, meeting: Meeting, actor: User) -> int:
    """Send the meeting's mail again to every operator concerned; returns the messages sent."""
    require_booker(actor)
    require_in_scope(actor, list(Participation.objects.filter(meeting=meeting).values_list("endpoint_id", flat=True)))
    if meeting.state_at(clock.now()) == MeetingStatus.HELD:
        raise Conflict(_("Cuộc họp đã diễn ra, không cần gửi lại thư mời."))
    if meeting.status == MeetingStatus.CANCELLED:
        kind = "cancellation"
    else:
        kind = meeting.invitations_unsent if meeting.invitations_unsent in notifications.SUBJECTS else "invitation"
    try:
        sent = notifications.send_meeting_mail(meeting_ids=[meeting.pk], kind=kind)
    except Exception as error:
        logger.warning("Resending the %s of meeting %s failed: %s", kind, meeting.pk, error)
        mark_unsent([meeting.pk], kind)
        raise MailNotSent(str(error)) from error
    Meeting.objects.filter(pk=meeting.pk).update(invitations_unsent="")
    meeting.invitations_unsent = ""
    return sent
