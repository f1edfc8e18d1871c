"""`{{ rule|rrule_words:start }}`: a recurrence rule in words (rooms.recurrence_text)."""

from datetime import datetime

from django import template

from rooms.recurrence_text import describe_rule

register = template.Library()


@register.filter
def rrule_words(rule: str, start: datetime | None = None) -> str:
    return describe_rule(rule, start=start)
