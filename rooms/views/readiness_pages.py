"""The readiness ladder on pages: the test-call form of "My room" and the board's words."""

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from rooms.models import Endpoint, Meeting
from rooms.selectors.attendance import checkin_window
from rooms.selectors.readiness import escalated, latest_tests, test_opens


def readiness_words() -> dict[str, str]:
    """The live board's badges (static/js/liveboard.js), in the visitor's language."""
    return {
        "tested": _("đã gọi thử"),
        "test_failed": _("gọi thử lỗi"),
        "not_tested": _("chưa gọi thử"),
        "escalated": _("đã báo bàn kỹ thuật"),
    }


def test_call_forms(meeting: Meeting, endpoint: Endpoint, *, now: datetime) -> dict[str, Any]:
    """What "My room" shows of a meeting's test call: open from 60 minutes before the start
    until the meeting ends, the latest result, whether the room was escalated."""
    opens, closes = checkin_window(meeting)
    latest = latest_tests([meeting.pk]).get((meeting.pk, endpoint.pk), ("", ""))[0]
    return {
        "open": test_opens(meeting.start) <= now < meeting.end,
        "latest": latest,
        "escalated": (meeting.pk, endpoint.pk) in escalated([meeting.pk]),
        "checkin_open": opens <= now <= closes,
        "checkin_opens": opens,
    }
