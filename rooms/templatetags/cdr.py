"""The bridge's word on a meeting's attendance, for the meeting page (rooms/cdr/verification.py)."""

from django import template

from rooms.cdr.verification import Verification, verification_labels
from rooms.selectors.attendance import MeetingAttendance

register = template.Library()


@register.inclusion_tag("rooms/_verification_summary.html")
def verification_summary(attendance: MeetingAttendance) -> dict:
    counts = dict.fromkeys(Verification.ALL, 0)
    for row in attendance.endpoints:
        counts[row.verification] += 1
    labels = verification_labels()
    return {
        "sends": counts[Verification.UNVERIFIED] < len(attendance.endpoints),
        "counts": [(labels[state], counts[state], state) for state in Verification.ALL[:3]],
        "to_check": [row.name for row in attendance.endpoints if row.verification == Verification.OPERATOR_ONLY],
    }
