"""`{% readiness_counts attendance as counts %}`: the meeting page's readiness figures."""

from django import template

from rooms.selectors.attendance import MeetingAttendance
from rooms.selectors.readiness_report import readiness_counts as count_rows

register = template.Library()


@register.simple_tag
def readiness_counts(attendance: MeetingAttendance | None) -> dict[str, int]:
    return count_rows(attendance.endpoints) if attendance else {}
