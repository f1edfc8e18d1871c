"""Fault tests: the live board and /healthz across a Redis restart (#12, Faults).

Each test runs its own redis-server on a free port (tests/redis_server.py), stops it and starts it
again; the shared Redis is never touched. Skipped only when redis-server is not installed.
"""

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.test import AsyncClient
from rest_framework.authtoken.models import Token

from rooms import consumers
from rooms.services.attendance import record_checkin
from tests.helpers import LiveBoard
from tests.redis_server import RedisServer, needs_redis_server, redis_server
from vconf.asgi import application

pytestmark = [
    needs_redis_server,
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("fast_password_hashing"),
]


@pytest.fixture
def redis(settings: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[RedisServer]:
    """The channel layer on a Redis of this test's own; feeds renew and ping every 0.2 s."""
    monkeypatch.setattr(consumers, "RENEW_GROUP_SECONDS", 0.2)
    for server in redis_server():
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [server.url], "prefix": f"faults{uuid.uuid4().hex[:8]}"},
            }
        }
        channel_layers.backends.clear()
        yield server
    channel_layers.backends.clear()


def restart(redis: RedisServer, *, down_for: float) -> None:
    redis.stop()
    time.sleep(down_for)
    redis.start()


async def board(meeting_id: int, user: object) -> WebsocketCommunicator:
    key = (await database_sync_to_async(Token.objects.get_or_create)(user=user))[0].key
    communicator = WebsocketCommunicator(application, f"/ws/meetings/{meeting_id}/?token={key}")
    connected, _ = await communicator.connect()
    assert connected
    return communicator


_boards: dict[int, LiveBoard] = {}


async def state_of(communicator: WebsocketCommunicator, endpoint_id: int, wanted: str, timeout: float = 5) -> dict:
    """The board once this endpoint is in the wanted state, snapshot and deltas applied (fails
    after `timeout`)."""
    board = _boards.setdefault(id(communicator), LiveBoard(communicator))
    deadline = time.monotonic() + timeout
    while True:
        message = await board.next(timeout=max(deadline - time.monotonic(), 0.01))
        row = next(r for r in message["endpoints"] if r["endpoint"] == endpoint_id)
        if row["state"] == wanted:
            return message


def check_in(operator: object, meeting: object, endpoint: object) -> None:
    record_checkin(user=operator, meeting=meeting, endpoint=endpoint, kind="in", attendees=9, client_id=uuid.uuid4())


@pytest.fixture
def meeting(clock, attendance_meeting):
    return attendance_meeting(start=clock.now() + timedelta(minutes=10))


@pytest.fixture
def operators(province, operator):
    from tests.conftest import make_user

    other = make_user("kythuat_hoangviet", "operator", province.c2)
    province.ep_c2.operators.add(other)
    return operator, other


@pytest.mark.parametrize("down_for", [0.05, 1.0])
async def test_a_board_hears_changes_again_after_redis_restarts(redis, meeting, leader, operators, province, down_for):
    first, second = operators
    old = await board(meeting.pk, leader)
    await state_of(old, province.ep_c1.pk, "invited")

    await asyncio.to_thread(restart, redis, down_for=down_for)
    await database_sync_to_async(check_in)(first, meeting, province.ep_c1)
    await state_of(old, province.ep_c1.pk, "ready")

    # A socket opened after the restart hears changes too.
    new = await board(meeting.pk, leader)
    await state_of(new, province.ep_c1.pk, "ready")
    await database_sync_to_async(check_in)(second, meeting, province.ep_c2)
    await state_of(new, province.ep_c2.pk, "ready")
    await state_of(old, province.ep_c2.pk, "ready")
    await old.disconnect()
    await new.disconnect()


async def test_a_change_made_while_redis_was_down_shows_once_it_returns(redis, meeting, leader, operator, province):
    communicator = await board(meeting.pk, leader)
    await state_of(communicator, province.ep_c1.pk, "invited")
    redis.stop()
    # The broadcast fails (logged); the check-in is recorded all the same.
    await database_sync_to_async(check_in)(operator, meeting, province.ep_c1)
    redis.start()
    await state_of(communicator, province.ep_c1.pk, "ready")
    await communicator.disconnect()


async def test_a_socket_outlives_a_redis_outage(redis, meeting, leader, province):
    communicator = await board(meeting.pk, leader)
    await state_of(communicator, province.ep_c1.pk, "invited")
    redis.stop()
    await asyncio.sleep(0.5)
    # Still open: nothing was sent to close it (the board polls while it is silent).
    assert await communicator.receive_nothing(timeout=0.3)
    redis.start()
    await communicator.disconnect()


async def test_a_sound_feed_sends_heartbeats(redis, meeting, leader, province, monkeypatch):
    monkeypatch.setattr(consumers, "HEARTBEAT_SECONDS", 0.3)
    communicator = await board(meeting.pk, leader)
    await state_of(communicator, province.ep_c1.pk, "invited")
    deadline = time.monotonic() + 3
    while json.loads(await communicator.receive_from(timeout=max(deadline - time.monotonic(), 0.01)))["type"] != (
        "heartbeat"
    ):
        pass
    await communicator.disconnect()


async def test_health_is_503_while_redis_is_down_and_200_once_it_is_back(redis, db):
    client = AsyncClient()
    assert (await client.get("/healthz")).status_code == 200
    redis.stop()
    response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["channel_layer"].startswith("error")
    redis.start()
    assert (await client.get("/healthz")).status_code == 200


async def test_health_is_503_while_a_board_does_not_hear_its_group(redis, meeting, leader, province, monkeypatch):
    communicator = await board(meeting.pk, leader)
    await state_of(communicator, province.ep_c1.pk, "invited")
    feed = next(iter(consumers._feeds.values()))
    feed.stale_since = time.monotonic() - 60  # as if it had not heard its group for a minute
    monkeypatch.setattr(feed, "pong", lambda: None)
    response = await AsyncClient().get("/healthz")
    assert response.status_code == 503
    assert "StaleLiveBoards" in response.json()["channel_layer"]
    await communicator.disconnect()


async def test_a_feed_that_lost_redis_says_so_in_the_log(redis, meeting, leader, province, caplog):
    communicator = await board(meeting.pk, leader)
    await state_of(communicator, province.ep_c1.pk, "invited")
    with caplog.at_level(logging.WARNING, logger="rooms.consumers"):
        redis.stop()
        deadline = time.monotonic() + 5
        while "lost its channel layer" not in caplog.text and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        redis.start()
    assert "lost its channel layer" in caplog.text
    await communicator.disconnect()
