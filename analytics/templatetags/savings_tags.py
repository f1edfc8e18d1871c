"""Template helpers of the savings pages: short money amounts, one meeting's savings breakdown."""

from typing import Any

from django import template
from django.utils.formats import get_format
from django.utils.translation import gettext as _

from analytics import assumptions
from analytics.meeting_savings import meeting_breakdown
from rooms.models import Meeting
from rooms.permissions import can_read_reports, can_watch_meeting

register = template.Library()


@register.filter
def num(value: Any, decimals: int = 0) -> str:
    """A number grouped by thousands the way the active language writes it (vi: 1.234.567,8).
    Django's own grouping follows NUMBER_GROUPING, which its Vietnamese locale leaves off."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "" if value is None else str(value)
    text = f"{number:,.{int(decimals)}f}"
    return (
        text.replace(",", "\x00")
        .replace(".", get_format("DECIMAL_SEPARATOR"))
        .replace("\x00", get_format("THOUSAND_SEPARATOR"))
    )


@register.filter
def vnd_short(value: Any) -> str:
    """11 804 000 000 → "11,8 tỷ đồng"; amounts under a million in full, grouped as the language does."""
    try:
        amount = float(value)
    except (TypeError, ValueError):
        return ""
    for size, word in ((1e9, _("tỷ đồng")), (1e6, _("triệu đồng"))):
        if abs(amount) >= size:
            return f"{num(amount / size, 1)} {word}"
    return f"{num(amount)} {_('đồng')}"


@register.simple_tag(takes_context=True)
def meeting_savings(context: template.Context, meeting: Meeting) -> dict | None:
    """The savings breakdown of a meeting for the report readers whose scope it reaches, as the
    API gives it (None for others)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or meeting is None or not can_read_reports(user) or not can_watch_meeting(user, meeting.pk):
        return None
    return meeting_breakdown(meeting, user=user)


@register.filter
def assumption_lines(model: dict) -> list[tuple[str, str]]:
    """The "Cách tính" lines of a cost model: (assumption, source), numbers as the language writes them."""
    return assumptions.assumption_lines(model, fmt=num)
