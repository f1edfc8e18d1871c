"""Bookings a bridge refused for want of ports, kept for capacity planning (analytics/capacity.py).

The refusal is a Conflict raised inside the booking's transaction, which rolls back; so the record
is written after it, by the API and the booking page, in a transaction of its own.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.contrib.auth.models import User

from rooms.models import PortRefusal
from vconf import clock
from vconf.exceptions import Conflict


def record_port_refusals(refusal: Conflict, *, user: User | None, title: str) -> int:
    """One PortRefusal per short bridge and stretch the refusal lists; returns how many."""
    now = clock.now()
    rows = [
        PortRefusal(
            bridge_id=c["bridge"],
            at=now,
            start=datetime.fromisoformat(c["start"]),
            end=datetime.fromisoformat(c["end"]),
            ports_needed=c["ports_needed"],
            ports_free=c["ports_free"],
            meeting_title=title[:200],
            user=user if user is not None and user.pk else None,
        )
        for c in refusal.conflicts
        if isinstance(c, dict) and "bridge" in c and "ports_needed" in c
    ]
    PortRefusal.objects.bulk_create(rows)
    return len(rows)


@contextmanager
def port_refusals_recorded(*, user: User | None, title: str) -> Iterator[None]:
    """Around a booking call (outside its transaction): a refusal for ports is recorded, then
    goes on as it was raised."""
    try:
        yield
    except Conflict as refusal:
        record_port_refusals(refusal, user=user, title=title)
        raise
