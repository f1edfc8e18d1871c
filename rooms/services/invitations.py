"""E-mail that must not fail a committed booking: the booking services' after-commit hook, and
the resend action staff use when it could not be sent (SMTP down, a refused header).

A booking is committed before its mail goes out, so a failure can only be logged and recorded on
the meeting (Meeting.invitations_unsent): the client gets its 201, a retry would only conflict
with its own booking, and the meeting page shows staff what to resend.
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
    """Registered with `transaction.on_commit` by the booking services: never raises."""
    try:
        notifications.send_meeting_mail(meeting_ids=meeting_ids, kind=kind, removed=removed or {})
    except Exception:
        logger.exception("The %s of meetings %s could not be sent", kind, meeting_ids)
        mark_unsent(meeting_ids, kind)


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
