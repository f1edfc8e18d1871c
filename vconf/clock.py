"""The one clock of the product. Domain code calls `clock.now()` so tests can fix the time."""

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
