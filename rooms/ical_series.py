"""A series as one invitation: the rule (RRULE), the occurrences that will not take place
(EXDATE: cancelled, or skipped when booked because of a conflict), and every occurrence moved or
renamed since (a VEVENT with the same UID and its RECURRENCE-ID), as RFC 5545 and 5546 describe.

Part of the export side of rooms/ical.py, apart to keep that module under its size.
"""

from datetime import UTC, datetime

import icalendar
from dateutil.rrule import rrulestr

from rooms.models import Meeting, MeetingStatus, Series


def bounded_rule(text: str, *, last: datetime) -> str:
    """The stored rule with its end as the last occurrence booked: COUNT would count the skipped
    ones again, and a rule without an end ran only to the booking horizon."""
    parts = dict(part.partition("=")[::2] for part in text.strip().upper().removeprefix("RRULE:").split(";") if part)
    parts.pop("COUNT", None)
    parts["UNTIL"] = last.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return ";".join(f"{key}={value}" for key, value in parts.items())


def series_calendar(series: Series) -> bytes:
    from rooms import ical  # the shared pieces of the invitation; ical imports this module lazily

    meetings = list(
        series.meetings.select_related("host", "bridge", "organizer", "series").order_by("recurrence_id", "start")
    )
    live = [m for m in meetings if m.status != MeetingStatus.CANCELLED]
    first, last = meetings[0], meetings[-1]
    anchor = first.recurrence_id or first.start
    length = first.end - first.start
    rule = bounded_rule(series.rrule, last=last.recurrence_id or last.start)
    cal = ical.new_calendar("REQUEST")
    master = ical.new_event(
        uid=series.uid,
        sequence=max(m.sequence for m in meetings),
        stamp=max(m.updated_at for m in meetings),
        start=anchor,
        end=anchor + length,
        title=series.title,
        location="",
        cancelled=False,
        url=ical.meeting_url(first.pk),
        tentative=any(m.status == MeetingStatus.PENDING for m in live),
    )
    master.add("rrule", icalendar.vRecur.from_ical(rule))
    taking_place = {m.recurrence_id for m in live}
    generated = rrulestr(rule, dtstart=ical.local(anchor))
    exdates = [ical.local(when) for when in generated if when not in taking_place]
    if exdates:
        master.add("exdate", exdates)
    sample = live[0] if live else first
    ical.describe_participants(master, sample, participations(sample))
    cal.add_component(master)
    for meeting in live:
        if meeting.recurrence_id is None or (meeting.start, meeting.end, meeting.title) == (
            meeting.recurrence_id,
            meeting.recurrence_id + length,
            series.title,
        ):
            continue
        moved = ical.base_event(meeting)
        moved["uid"] = icalendar.vText(series.uid)
        moved.add("recurrence-id", ical.local(meeting.recurrence_id))
        ical.describe_participants(moved, meeting, participations(meeting))
        cal.add_component(moved)
    return cal.to_ical()


def participations(meeting: Meeting) -> list:
    return list(
        meeting.participations.select_related("endpoint", "endpoint__unit").prefetch_related(
            "endpoint__operators__profile"
        )
    )
