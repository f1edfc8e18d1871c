"""The live board: WebSocket /ws/meetings/<id>/ snapshots, coalescing, refusals, and its page.

These run against whichever channel layer the settings select (in memory, or Redis when
REDIS_URL is set, as CI does): they must not depend on what another run left in Redis.
"""

import asyncio
import json
import uuid
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from rooms import consumers
from rooms.broadcast import broadcast_attendance_changed, group_name
from rooms.services.attendance import record_checkin
from tests.conftest import make_user
from tests.helpers import LiveBoard, opened, session_cookie
from vconf.asgi import application

pytestmark = pytest.mark.usefixtures("fast_password_hashing")
ORIGIN = (b"origin", b"http://testserver")


def token_for(user) -> str:
    return Token.objects.get_or_create(user=user)[0].key


def socket(meeting_id: int, *, token: str | None = None, headers: list | None = None) -> WebsocketCommunicator:
    path = f"/ws/meetings/{meeting_id}/" + (f"?token={token}" if token else "")
    return WebsocketCommunicator(application, path, headers=[ORIGIN, *(headers or [])])


async def next_snapshot(communicator: WebsocketCommunicator, timeout: float = 3) -> dict:
    """The next message: a whole snapshot or a delta."""
    message = json.loads(await communicator.receive_from(timeout=timeout))
    assert message["type"] in ("attendance", "attendance.delta")
    return message


async def snapshot_where(board: LiveBoard, condition, timeout: float = 5) -> dict:
    """The board once it satisfies `condition` (other runs' notices may add extra messages)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        snapshot = await board.next(timeout=max(deadline - asyncio.get_running_loop().time(), 0.01))
        if condition(snapshot):
            return snapshot


async def close_code(communicator: WebsocketCommunicator) -> int:
    connected, _ = await communicator.connect()
    assert connected  # accepted, then closed with a code the browser can read
    output = await communicator.receive_output(timeout=3)
    assert output["type"] == "websocket.close"
    return output["code"]


def states(snapshot: dict) -> dict[int, str]:
    return {row["endpoint"]: row["state"] for row in snapshot["endpoints"]}


@pytest.fixture
def meeting(clock, attendance_meeting):
    return attendance_meeting(start=clock.now() + timedelta(minutes=10))


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_a_subscriber_gets_a_snapshot_on_connect_and_after_a_check_in(meeting, leader, operator, province):
    communicator = socket(meeting.pk, token=await database_sync_to_async(token_for)(leader))
    await communicator.connect()
    board = LiveBoard(communicator)
    first = await board.next()
    assert first["type"] == "attendance"
    assert first["meeting"] == meeting.pk and len(first["endpoints"]) == 6
    assert set(states(first).values()) == {"invited"}
    assert first["totals"]["endpoints"] == 6

    await database_sync_to_async(record_checkin)(
        user=operator, meeting=meeting, endpoint=province.ep_c1, kind="in", attendees=14, client_id=uuid.uuid4()
    )
    update = await snapshot_where(board, lambda s: states(s)[province.ep_c1.pk] != "invited")
    row = next(r for r in update["endpoints"] if r["endpoint"] == province.ep_c1.pk)
    assert row["state"] == "ready" and row["attendees"] == 14
    assert update["totals"]["attendees"] == 14
    await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_the_browser_session_is_enough(meeting, staff):
    _, cookie = await session_cookie(staff)
    communicator = socket(meeting.pk, headers=[cookie])
    assert (await opened(communicator))["meeting"] == meeting.pk
    await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_a_subscriber_without_credentials_is_refused(meeting):
    assert await close_code(socket(meeting.pk)) == consumers.CLOSE_UNAUTHENTICATED
    assert await close_code(socket(meeting.pk, token="not-a-token")) == consumers.CLOSE_UNAUTHENTICATED


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_a_subscriber_out_of_scope_is_refused(clock, attendance_meeting, province, district_staff):
    in_cao_loc = await database_sync_to_async(attendance_meeting)(
        start=clock.now(), endpoints=[province.ep_d2, province.ep_c3]
    )
    other_operator = await database_sync_to_async(make_user)("kythuat_hv", "operator", province.c2)
    for user in (district_staff, other_operator):
        token = await database_sync_to_async(token_for)(user)
        assert await close_code(socket(in_cao_loc.pk, token=token)) == consumers.CLOSE_FORBIDDEN
    token = await database_sync_to_async(token_for)(district_staff)
    assert await close_code(socket(987654, token=token)) == consumers.CLOSE_NOT_FOUND


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_an_operator_of_one_of_its_endpoints_may_watch(meeting, operator):
    communicator = socket(meeting.pk, token=await database_sync_to_async(token_for)(operator))
    assert (await opened(communicator))["meeting"] == meeting.pk
    await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_a_burst_of_changes_is_coalesced_into_a_few_snapshots(meeting, leader, monkeypatch):
    communicator = socket(meeting.pk, token=await database_sync_to_async(token_for)(leader))
    await communicator.connect()
    await next_snapshot(communicator)
    layer = get_channel_layer()
    for _ in range(40):
        await layer.group_send(group_name(meeting.pk), {"type": "attendance.changed"})
    received, loop = 0, asyncio.get_running_loop()
    deadline = loop.time() + 1.5
    while loop.time() < deadline:
        # receive_nothing waits without cancelling the consumer (a timed-out receive would).
        if not await communicator.receive_nothing(timeout=0.05, interval=0.01):
            await next_snapshot(communicator)
            received += 1
    # 40 notices within 1.5 s: at most one snapshot per SNAPSHOT_INTERVAL, at least one.
    assert 1 <= received <= 1.5 / consumers.SNAPSHOT_INTERVAL + 1
    await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_subscribers_in_one_process_share_one_snapshot_per_change(meeting, leader, monkeypatch):
    built = []
    original = consumers.read_board

    def counting(meeting_id: int, **kwargs: object) -> object:
        built.append(meeting_id)
        return original(meeting_id, **kwargs)

    monkeypatch.setattr(consumers, "read_board", counting)
    token = await database_sync_to_async(token_for)(leader)
    watchers = [socket(meeting.pk, token=token) for _ in range(5)]
    for watcher in watchers:
        await watcher.connect()
        await next_snapshot(watcher)
    await asyncio.sleep(consumers.SNAPSHOT_INTERVAL)
    built.clear()
    notice = {"type": "attendance.changed"}
    await get_channel_layer().group_send(group_name(meeting.pk), notice)
    for watcher in watchers:
        await next_snapshot(watcher)
    assert built == [meeting.pk]
    for watcher in watchers:
        await watcher.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_a_refresh_request_brings_a_snapshot_that_follows_the_clock(meeting, leader, clock, province):
    communicator = socket(meeting.pk, token=await database_sync_to_async(token_for)(leader))
    await communicator.connect()
    board = LiveBoard(communicator)
    assert (await board.next())["status"] == "scheduled"
    clock.advance(minutes=30)  # past the start and the grace: nobody checked in
    await asyncio.sleep(consumers.REFRESH_REUSE_SECONDS)
    await communicator.send_to(text_data='{"type": "refresh"}')
    later = await snapshot_where(board, lambda s: s["status"] == "in_progress")
    assert set(states(later).values()) == {"no_show"}
    await communicator.send_to(text_data="not json")  # ignored, the socket stays open
    await communicator.disconnect()


def test_a_check_in_broadcasts_after_commit_only(
    meeting, operator, province, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(
        "rooms.services.attendance.broadcast_attendance_changed", lambda *ids, **kw: sent.append((ids, kw))
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record_checkin(
            user=operator, meeting=meeting, endpoint=province.ep_c1, kind="in", attendees=3, client_id=uuid.uuid4()
        )
    assert sent == [] and len(callbacks) == 1
    callbacks[0]()
    assert sent == [((meeting.pk,), {"endpoints": [province.ep_c1.pk]})]


@pytest.mark.django_db
def test_a_broken_channel_layer_does_not_fail_the_caller(monkeypatch, caplog):
    broadcast_attendance_changed()  # nothing to tell: no layer needed

    class Broken:
        async def group_send(self, *args: object) -> None:
            raise ConnectionError("redis down")

    monkeypatch.setattr("rooms.broadcast.get_channel_layer", lambda: Broken())
    broadcast_attendance_changed(1)
    assert "Could not broadcast" in caplog.text


@pytest.mark.django_db
def test_a_notice_reaches_a_subscribed_channel():
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group_name(4242), channel)
    try:
        broadcast_attendance_changed(4242)
        message = async_to_sync(layer.receive)(channel)
        assert message == {"type": "attendance.changed"}
    finally:
        async_to_sync(layer.group_discard)(group_name(4242), channel)


# --- the page ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_live_board_page_shows_every_endpoint_and_totals(meeting, leader, province):
    client = Client()
    client.force_login(leader)
    response = client.get(f"/truc-tiep/{meeting.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    for endpoint in (province.host, province.ep_c1, province.ep_c3):
        assert endpoint.name in html
    assert 'id="board-config"' in html and "liveboard.js" in html
    assert "http://" not in html.replace("http://testserver", "") and "https://" not in html


@pytest.mark.django_db
def test_the_live_board_page_flags_rooms_not_ready_15_minutes_before(meeting, leader, clock):
    client = Client()
    client.force_login(leader)
    assert 'class="flag"' in client.get(f"/truc-tiep/{meeting.pk}/").content.decode()
    clock.advance(minutes=-10)  # 20 minutes before the start
    assert 'class="flag"' not in client.get(f"/truc-tiep/{meeting.pk}/").content.decode()


@pytest.mark.django_db
def test_the_live_board_page_is_refused_out_of_scope(clock, attendance_meeting, province, district_staff):
    meeting = attendance_meeting(start=clock.now(), endpoints=[province.ep_d2])
    client = Client()
    client.force_login(district_staff)
    assert client.get(f"/truc-tiep/{meeting.pk}/").status_code == 403
    assert client.get("/truc-tiep/999999/").status_code == 404
    assert Client().get(f"/truc-tiep/{meeting.pk}/").status_code == 302


@pytest.mark.django_db
def test_todays_boards_are_listed_for_the_user(meeting, clock, attendance_meeting, province, district_staff):
    elsewhere = attendance_meeting(
        start=clock.now() + timedelta(hours=2), endpoints=[province.ep_d2], title="Họp Cao Lộc"
    )
    client = Client()
    client.force_login(district_staff)
    html = client.get("/truc-tiep/").content.decode()
    assert f"/truc-tiep/{meeting.pk}/" in html
    assert f"/truc-tiep/{elsewhere.pk}/" not in html


@pytest.mark.django_db
def test_cancelling_or_moving_a_meeting_refreshes_its_boards(
    meeting, staff, monkeypatch, django_capture_on_commit_callbacks
):
    from rooms.services import booking, booking_rules

    sent = []
    monkeypatch.setattr(booking_rules, "broadcast_attendance_changed", lambda *ids: sent.extend(ids))
    with django_capture_on_commit_callbacks(execute=True):
        booking.reschedule_meeting(meeting=meeting, actor=staff, start=meeting.start + timedelta(hours=1), notify=False)
    assert sent == [meeting.pk]
    with django_capture_on_commit_callbacks(execute=True):
        booking.cancel_meeting(meeting=meeting, actor=staff, notify=False)
    assert sent == [meeting.pk, meeting.pk]


@pytest.mark.django_db
def test_the_meeting_page_links_its_live_board_and_summary(meeting, staff):
    client = Client()
    client.force_login(staff)
    html = client.get(reverse("meeting-detail", args=[meeting.pk])).content.decode()
    assert 'id="attendance-summary"' in html
    assert f"/truc-tiep/{meeting.pk}/" in html and f"/api/meetings/{meeting.pk}/attendance/" in html
