"""Times as a booking reads them: naive means Asia/Ho_Chi_Minh; a change moves or resizes."""

from datetime import datetime

from django.utils import timezone

Slot = tuple[datetime, datetime]


def aware(value: datetime) -> datetime:
    # A time without an offset is Asia/Ho_Chi_Minh (the current time zone), as the API promises.
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def new_interval(*, start: datetime | None, end: datetime | None, current: Slot) -> Slot:
    """A new start alone moves the meeting (same duration); a new end alone lengthens or shortens it."""
    new_start = aware(start) if start is not None else current[0]
    return new_start, aware(end) if end is not None else new_start + (current[1] - current[0])
