"""Telling live boards that a meeting's attendance changed.

Group names are built here and nowhere else. The message is a tiny "changed" notice, not the
snapshot, naming the endpoints whose rows changed when the sender knows them (a check-in does):
in each server process one MeetingFeed hears it and reads only those rows again (all of them for
a notice without endpoints), coalesced (rooms/consumers.py), so a burst of check-ins never floods
the channel layer with copies of a large payload.
"""

import logging
from collections.abc import Collection

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

CHANGED = "attendance.changed"  # read by consumers.MeetingFeed.listen
# A feed's ping to itself through its group, proving it still hears it (consumers.MeetingFeed.renew).
PING = "attendance.ping"


def group_name(meeting_id: int) -> str:
    return f"attendance.meeting.{int(meeting_id)}"


def broadcast_attendance_changed(*meeting_ids: int, endpoints: Collection[int] | None = None) -> None:
    """Call after commit (`transaction.on_commit`): the subscribers then read committed data.
    `endpoints`: the only rows that changed (None: anything may have, the boards read it all).
    A broken channel layer must not fail the request that already committed, so it only logs."""
    if not meeting_ids:
        return
    message: dict = {"type": CHANGED}
    if endpoints is not None:
        message["endpoints"] = sorted({int(pk) for pk in endpoints})
    try:
        async_to_sync(_send)(meeting_ids, message)
    except Exception:
        logger.exception("Could not broadcast the attendance of meetings %s", list(meeting_ids))


async def _send(meeting_ids: tuple[int, ...], message: dict) -> None:
    layer = get_channel_layer()
    for meeting_id in meeting_ids:
        await layer.group_send(group_name(meeting_id), message)
