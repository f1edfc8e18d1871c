"""Template helpers of the leaders' pages: report dates (ISO strings in the JSON) shown as the
language writes dates, and the plain sentence on whether the coverage target will be met."""

import datetime as dt

from django import template

register = template.Library()

DAYS_PER_MONTH = 30.4375  # as analytics/coverage_math.projection counts a month


@register.filter
def iso_date(value: object) -> object:
    """ "2027-06-30" → date(2027, 6, 30), so `|date` writes 30/06/2027 (vi) or 30 Jun 2027 (en)."""
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value


@register.simple_tag
def target_outlook(report: dict) -> dict | None:
    """For a target still open: the day it is expected to be reached at the pace of the report's
    projection window, and whether that is after its due date (None: no pace, never reached)."""
    target = report.get("target")
    if not target or target["state"] != "open" or target["communes_needed"] <= 0:
        return None
    due = dt.date.fromisoformat(target["due"])
    expected: dt.date | None = None
    if target["percent"] >= 100:
        # The report's own projection of 100%, so the page gives one date, not two.
        projected = report.get("projected_full_coverage")
        expected = dt.date.fromisoformat(projected) if projected else None
    else:
        # Other targets: the communes still needed at the pace of installed communes.
        pace = report["projection"]["pace_per_month"]
        if pace > 0:
            days = round(target["communes_needed"] / pace * DAYS_PER_MONTH)
            expected = dt.date.fromisoformat(report["as_of"]) + dt.timedelta(days=days)
    return {"percent": target["percent"], "due": due, "expected": expected, "missed": not expected or expected > due}
