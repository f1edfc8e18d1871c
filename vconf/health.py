"""GET /healthz: 200 when this worker can use the database and the channel layer, and the
background worker (Huey, rooms/tasks.py) ticked within WORKER_STALE_SECONDS; else 503.

The channel layer check is the path a check-in takes to a board: a group joined, a message sent
to the group and received, with a timeout. It also fails while a live board's feed in this
worker has not heard its group for a while (it recovers by itself within seconds, see
rooms/consumers.py): a board that is silently stale must not look healthy.
"""

import asyncio
import uuid
from datetime import timedelta

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse

from rooms import consumers, jobs
from vconf import clock

CHANNEL_LAYER_TIMEOUT = 2.0
# Longer than a feed needs to recover on its own (two renewals), so a blip is not reported.
STALE_FEED_SECONDS = 3 * consumers.RENEW_GROUP_SECONDS


class StaleLiveBoards(Exception):
    pass


class StaleWorker(Exception):
    pass


def check_worker() -> str:
    """ "ok" when the worker's last tick is recent; "not started" when it never ticked and is not
    required (a web-only process); raises StaleWorker with the reason otherwise."""
    last = jobs.last_heartbeat()
    if last is None:
        if settings.VCONF["WORKER_REQUIRED"]:
            raise StaleWorker("the worker has never ticked")
        return "not started"
    age = clock.now() - last
    if age > timedelta(seconds=settings.VCONF["WORKER_STALE_SECONDS"]):
        raise StaleWorker(
            f"last tick {last.isoformat(timespec='seconds')}, {int(age.total_seconds() // 60)} minutes ago"
        )
    return "ok"


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


async def check_channel_layer() -> None:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    group = f"health.{uuid.uuid4().hex}"
    await layer.group_add(group, channel)
    try:
        await layer.group_send(group, {"type": "health.ping"})
        await asyncio.wait_for(layer.receive(channel), timeout=CHANNEL_LAYER_TIMEOUT)
    finally:
        await layer.group_discard(group, channel)
    if stale := consumers.stale_feeds(older_than=STALE_FEED_SECONDS):
        raise StaleLiveBoards(f"live boards of meetings {stale} do not hear their group")


async def healthz(request: HttpRequest) -> JsonResponse:
    report, healthy = {}, True
    for name, check in (("database", sync_to_async(check_database)), ("channel_layer", check_channel_layer)):
        try:
            await check()
            report[name] = "ok"
        except Exception as error:
            report[name] = f"error: {type(error).__name__}"
            healthy = False
    try:
        report["worker"] = await sync_to_async(check_worker)()
    except Exception as error:
        report["worker"] = f"error: {error}" if isinstance(error, StaleWorker) else f"error: {type(error).__name__}"
        healthy = False
    return JsonResponse(report, status=200 if healthy else 503)
