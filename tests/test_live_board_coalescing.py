"""The outbox: a burst of check-ins in one meeting becomes few notices, sent only after commit."""

import asyncio
import json
import uuid
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from rest_framework.authtoken.models import Token

from rooms import broadcast, consumers
from rooms.board_state import BoardState
from rooms.broadcast import Outbox
from rooms.services.attendance import record_checkin
from vconf.asgi import application


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def an_outbox():
    sent: list[tuple[int, set[int] | None]] = []
    due: list = []
    clock = Clock()
    outbox = Outbox(
        lambda meeting, endpoints: sent.append((meeting, endpoints)),
        clock=clock,
        later=lambda delay, call: due.append((delay, call)),
    )
    return outbox, sent, due, clock


def test_the_first_notice_goes_out_at_once_and_the_window_is_merged_into_one():
    outbox, sent, due, clock = an_outbox()
    outbox.post(7, [1])
    clock.now += 0.05
    outbox.post(7, [2])
    outbox.post(7, [3, 2])
    assert sent == [(7, {1})]
    assert len(due) == 1 and due[0][0] == pytest.approx(0.10)
    clock.now += 0.10
    due[0][1]()
    assert sent == [(7, {1}), (7, {2, 3})]


def test_a_notice_naming_no_rooms_makes_the_merged_notice_read_everything():
    outbox, sent, due, _clock = an_outbox()
    outbox.post(7, [1])
    outbox.post(7, [2])
    outbox.post(7, None)
    due[0][1]()
    assert sent == [(7, {1}), (7, None)]


def test_meetings_are_coalesced_separately_and_a_quiet_meeting_sends_at_once():
    outbox, sent, due, clock = an_outbox()
    outbox.post(7, [1])
    outbox.post(8, [5])
    clock.now += 0.2
    outbox.post(7, [2])
    assert sent == [(7, {1}), (8, {5}), (7, {2})]
    assert due == []


@pytest.mark.django_db
def test_the_outbox_sends_nothing_when_the_transaction_rolls_back(monkeypatch, django_capture_on_commit_callbacks):
    outbox, sent, due, _clock = an_outbox()
    monkeypatch.setattr(broadcast, "outbox", outbox)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        transaction.on_commit(lambda: broadcast.broadcast_attendance_changed(7, endpoints=[1]))
        raise RuntimeError("the check-in failed")
    assert callbacks == [] and sent == [] and due == []
    with django_capture_on_commit_callbacks(execute=True):
        transaction.on_commit(lambda: broadcast.broadcast_attendance_changed(7, endpoints=[1]))
    assert sent == [(7, {1})]


# The feeds behind the sockets: a delta reads and names only the rooms that changed, and one text
# serves every watcher of the meeting in the process.


def watcher(meeting_id: int, token: str) -> WebsocketCommunicator:
    return WebsocketCommunicator(
        application, f"/ws/meetings/{meeting_id}/?token={token}", headers=[(b"origin", b"http://testserver")]
    )


async def next_board_message(communicator: WebsocketCommunicator) -> dict:
    while True:
        message = json.loads(await communicator.receive_from(timeout=3))
        if message["type"] in ("attendance", "attendance.delta"):
            return message


def counting_board_reads(monkeypatch) -> list[list[int] | None]:
    """The endpoints each board read asked for (None: the whole board)."""
    reads: list[list[int] | None] = []
    original = consumers.read_board

    def counting(meeting_id: int, **kwargs):
        reads.append(kwargs.get("endpoint_ids"))
        return original(meeting_id, **kwargs)

    monkeypatch.setattr(consumers, "read_board", counting)
    return reads


async def check_in(operator, meeting, endpoint) -> None:
    await database_sync_to_async(endpoint.operators.add)(operator)
    await database_sync_to_async(record_checkin)(
        user=operator, meeting=meeting, endpoint=endpoint, kind="in", attendees=9, client_id=uuid.uuid4()
    )


@pytest.fixture
def live_meeting(clock, attendance_meeting):
    return attendance_meeting(start=clock.now() + timedelta(minutes=10))


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_a_delta_reads_and_names_only_the_changed_rooms(live_meeting, leader, operator, province, monkeypatch):
    reads = counting_board_reads(monkeypatch)
    token = await database_sync_to_async(lambda: Token.objects.get_or_create(user=leader)[0].key)()
    board = watcher(live_meeting.pk, token)
    await board.connect()
    assert len((await next_board_message(board))["endpoints"]) == 6
    reads.clear()

    await check_in(operator, live_meeting, province.ep_c1)
    delta = await next_board_message(board)

    assert delta["type"] == "attendance.delta"
    assert [row["endpoint"] for row in delta["endpoints"]] == [province.ep_c1.pk]
    assert delta["removed"] == [] and delta["totals"]["attendees"] == 9
    assert reads == [[province.ep_c1.pk]]
    await board.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_two_watchers_of_a_meeting_get_the_same_delta_built_once(
    live_meeting, leader, operator, province, monkeypatch
):
    reads = counting_board_reads(monkeypatch)
    texts_built = []
    original_delta = BoardState.delta

    def counting_delta(self, since):
        texts_built.append(since)
        return original_delta(self, since)

    monkeypatch.setattr(BoardState, "delta", counting_delta)
    token = await database_sync_to_async(lambda: Token.objects.get_or_create(user=leader)[0].key)()
    first, second = watcher(live_meeting.pk, token), watcher(live_meeting.pk, token)
    for board in (first, second):
        await board.connect()
        await next_board_message(board)
    await asyncio.sleep(consumers.SNAPSHOT_INTERVAL)
    reads.clear()

    await check_in(operator, live_meeting, province.ep_c2)
    one, other = await next_board_message(first), await next_board_message(second)

    assert one == other and one["type"] == "attendance.delta"
    assert [row["endpoint"] for row in one["endpoints"]] == [province.ep_c2.pk]
    assert reads == [[province.ep_c2.pk]]
    assert len(texts_built) == 1
    for board in (first, second):
        await board.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
async def test_a_watcher_that_missed_deltas_gets_the_whole_board_on_resync(live_meeting, leader, operator, province):
    token = await database_sync_to_async(lambda: Token.objects.get_or_create(user=leader)[0].key)()
    board = watcher(live_meeting.pk, token)
    await board.connect()
    await next_board_message(board)
    await check_in(operator, live_meeting, province.ep_c1)
    await next_board_message(board)  # the delta the browser lost (asleep, say)

    await check_in(operator, live_meeting, province.ep_c2)
    await board.send_to(text_data='{"type":"resync"}')
    while (whole := await next_board_message(board))["type"] != "attendance":
        pass

    assert len(whole["endpoints"]) == 6
    checked_in = {row["endpoint"] for row in whole["endpoints"] if row["attendees"] == 9}
    assert province.ep_c1.pk in checked_in
    await board.disconnect()
