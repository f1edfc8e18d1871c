import asyncio

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpRequest, JsonResponse


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


async def check_channel_layer() -> None:
    # A round trip through the layer proves Redis (or the in-memory layer) carries messages.
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "health.ping"})
    await asyncio.wait_for(layer.receive(channel), timeout=2)


async def healthz(request: HttpRequest) -> JsonResponse:
    report, healthy = {}, True
    for name, check in (("database", sync_to_async(check_database)), ("channel_layer", check_channel_layer)):
        try:
            await check()
            report[name] = "ok"
        except Exception as error:
            report[name] = f"error: {type(error).__name__}"
            healthy = False
    return JsonResponse(report, status=200 if healthy else 503)
