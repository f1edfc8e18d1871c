"""Telling live boards that a meeting's attendance changed.

Group names are built here and nowhere else. The message is a tiny "changed" notice, not the
snapshot, naming the endpoints whose rows changed when the sender knows them (a check-in does):
in each server process one MeetingFeed hears it and reads only those rows again (all of them for
a notice without endpoints), coalesced (rooms/consumers.py), so a burst of check-ins never floods
the channel layer with copies of a large payload.
"""

import logging
import threading
import time
from collections.abc import Callable, Collection

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

CHANGED = "attendance.changed"  # read by consumers.MeetingFeed.listen
# A feed's ping to itself through its group, proving it still hears it (consumers.MeetingFeed.renew).
PING = "attendance.ping"


def group_name(meeting_id: int) -> str:
    return f"attendance.meeting.{int(meeting_id)}"


WINDOW = 0.15  # seconds: at most one notice per meeting per window after the first


class Outbox:
    """Coalesces notices per meeting: the first goes out at once, the rest of the window's notices
    for that meeting are merged (their endpoints united; None wins) and sent once when it ends."""

    def __init__(
        self,
        send: Callable[[int, set[int] | None], None],
        *,
        window: float = WINDOW,
        clock: Callable[[], float] = time.monotonic,
        later: Callable[[float, Callable[[], None]], None] | None = None,
    ) -> None:
        self.send, self.window, self.clock = send, window, clock
        self.later = later or _timer
        self.lock = threading.Lock()
        self.last_sent: dict[int, float] = {}
        self.pending: dict[int, set[int] | None] = {}

    def post(self, meeting_id: int, endpoints: Collection[int] | None) -> None:
        now = self.clock()
        with self.lock:
            if meeting_id in self.pending:
                self.pending[meeting_id] = _merged(self.pending[meeting_id], endpoints)
                return
            since = now - self.last_sent.get(meeting_id, float("-inf"))
            if since < self.window:
                self.pending[meeting_id] = _merged(set(), endpoints)
                self.later(self.window - since, lambda: self.flush(meeting_id))
                return
            self.last_sent[meeting_id] = now
        self.send(meeting_id, None if endpoints is None else set(endpoints))

    def flush(self, meeting_id: int) -> None:
        with self.lock:
            if meeting_id not in self.pending:
                return
            endpoints = self.pending.pop(meeting_id)
            self.last_sent[meeting_id] = self.clock()
        self.send(meeting_id, endpoints)


def _merged(known: set[int] | None, more: Collection[int] | None) -> set[int] | None:
    if known is None or more is None:
        return None
    return known | {int(pk) for pk in more}


def _timer(delay: float, call: Callable[[], None]) -> None:
    timer = threading.Timer(delay, call)
    timer.daemon = True
    timer.start()


def _send_one(meeting_id: int, endpoints: set[int] | None) -> None:
    """A broken channel layer must not fail the request that already committed, so it only logs."""
    message: dict = {"type": CHANGED}
    if endpoints is not None:
        message["endpoints"] = sorted(endpoints)
    try:
        async_to_sync(_send)((meeting_id,), message)
    except Exception:
        logger.exception("Could not broadcast the attendance of meeting %s", meeting_id)


outbox = Outbox(_send_one)


def broadcast_attendance_changed(*meeting_ids: int, endpoints: Collection[int] | None = None) -> None:
    """Call after commit (`transaction.on_commit`): the subscribers then read committed data.
    `endpoints`: the only rows that changed (None: anything may have, the boards read it all).
    Notices go through the outbox, coalesced per meeting (at most one per WINDOW after the first)."""
    for meeting_id in dict.fromkeys(int(pk) for pk in meeting_ids):
        outbox.post(meeting_id, endpoints)


async def _send(meeting_ids: tuple[int, ...], message: dict) -> None:
    layer = get_channel_layer()
    for meeting_id in meeting_ids:
        await layer.group_send(group_name(meeting_id), message)
