"""WebSocket /ws/meetings/<id>/[?unit=<code>]: the live attendance board of one meeting (or of
the part of it at or below a unit; a user with a home unit sees their part, rooms.permissions).

On connect the subscriber gets a full snapshot (`type: attendance`); after that, deltas
(`type: attendance.delta`: only the rows changed since its last message, with the totals), at
most one per SNAPSHOT_INTERVAL seconds: the broadcaster only sends a tiny "changed" notice naming
the endpoints (rooms/broadcast.py) and each socket decides when to send the next message (hence
async). `{"type": "resync"}` brings a whole snapshot again (rooms/board_state.py).

Within one server process, the subscribers of a meeting's board (one per unit they narrow to)
share one MeetingFeed. The feed, not each socket, is the member of the meeting's group: a change
costs one channel-layer message per feed, and one build per feed, however many people watch.

A restarted Redis forgets every group membership, and a short restart may not even raise an error
in the feed's receive loop (redis-py reconnects by itself). So every RENEW_GROUP_SECONDS the feed
joins its group again and sends itself a ping through the group: a ping that does not come back
means the feed missed changes, and the first ping that does makes it rebuild the snapshot for
everyone. Sockets get a heartbeat every HEARTBEAT_SECONDS while their feed is sound, so a board
whose socket is open but silent knows to poll instead (static/js/liveboard.js).
"""

import asyncio
import contextlib
import json
import logging
import time
from typing import Protocol

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import BaseChannelLayer, get_channel_layer

from rooms.board_access import (  # noqa: F401 (the close codes are read as consumers.CLOSE_*)
    CLOSE_BAD_UNIT,
    CLOSE_FORBIDDEN,
    CLOSE_NOT_FOUND,
    CLOSE_UNAUTHENTICATED,
    refusal,
    snapshot_text,
    unit_param,
)
from rooms.board_state import SNAPSHOT_ISSUES, SNAPSHOT_NOTE_CHARS, BoardState, read_board  # noqa: F401
from rooms.broadcast import CHANGED, PING, group_name
from rooms.ws_auth import still_signed_in

logger = logging.getLogger(__name__)

# At most this many messages per second reach one subscriber (4/s): bursts of check-ins are
# coalesced, yet a change shows within about this delay plus the time to read the changed rooms.
SNAPSHOT_INTERVAL = 0.25
# A feed reads its changed rooms at most once per this: notices heard while it waits join the read,
# and the delta text built from it is shared by every subscriber of the feed (BoardState.texts).
READ_INTERVAL = 0.25
# A client's "refresh" (sent when the clock crosses the start, the grace, the end) reuses a
# snapshot at most this old instead of asking the database again.
REFRESH_REUSE_SECONDS = 1.0
# How often a feed joins its group again and checks, with a ping through the group, that it still
# hears it: a Redis restart forgets memberships, and boards recover within about twice this.
RENEW_GROUP_SECONDS = 5.0
# A sound feed tells its sockets it is alive this often; the board polls after 3 silent beats.
HEARTBEAT_SECONDS = 15.0
HEARTBEAT_TEXT = '{"type":"heartbeat"}'
# How often a socket checks that its session or token still signs it in (logout, new password,
# token deleted): the board then closes with CLOSE_UNAUTHENTICATED.
AUTH_RECHECK_SECONDS = 30.0
# The sockets of this process have no channel of their own (their feed is the group member): an
# alias with no configuration makes Channels give them none, so a channel-layer outage cannot
# crash every socket at once.
NO_CHANNEL_LAYER = "vconf.sockets-need-no-channel"


class Subscriber(Protocol):
    def request_snapshot(self, wanted: int) -> None: ...

    def heartbeat(self) -> None: ...


class MeetingFeed:
    """One meeting's board (or one unit's part of it) in this process: listens to its group and
    reads the changed rows once per change for all local subscribers. `seq` counts the changes
    heard; a state built when `seq` was n reflects them all (it is read from the database after
    they were committed). Notices name the endpoints they changed; one without endpoints makes
    the next build read the whole board."""

    def __init__(self, meeting_id: int, layer: BaseChannelLayer, unit_id: int | None = None) -> None:
        self.meeting_id = meeting_id
        self.unit_id = unit_id
        self.layer = layer
        self.subscribers: set[Subscriber] = set()
        self.seq = 0
        self.built_seq = -1
        self.built_at = self.read_at = 0.0
        self.state = BoardState()
        self.pending: set[int] = set()
        self.pending_whole = True
        self.lock = asyncio.Lock()
        self.ready: asyncio.Future = asyncio.get_running_loop().create_future()
        self.channel = ""
        self.tasks: list[asyncio.Task] = []
        self.builders: set[asyncio.Task] = set()
        # Pings sent through the group and not heard back yet; `stale_since` is when the feed
        # last knew it might have missed a change (None: sound).
        self.pings_out = 0
        self.stale_since: float | None = None
        self.beat_at = time.monotonic()

    async def start(self) -> None:
        try:
            self.channel = await self.layer.new_channel()
            await self.layer.group_add(group_name(self.meeting_id), self.channel)
            self.tasks = [asyncio.create_task(self.listen()), asyncio.create_task(self.renew())]
            self.ready.set_result(True)
        except Exception as error:
            self.ready.set_exception(error)

    async def stop(self) -> None:
        for task in [*self.tasks, *self.builders]:
            task.cancel()
        if self.channel:
            await self.layer.group_discard(group_name(self.meeting_id), self.channel)

    async def listen(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self.went_stale(error)
                await asyncio.sleep(1)
                continue
            if message.get("type") == CHANGED:
                self.changed(message.get("endpoints"))
            elif message.get("type") == PING and message.get("feed") == self.channel:
                self.pong()

    async def renew(self) -> None:
        while True:
            await asyncio.sleep(RENEW_GROUP_SECONDS)
            if self.pings_out:
                self.went_stale(None)
            try:
                await self.layer.group_add(group_name(self.meeting_id), self.channel)
                await self.layer.group_send(group_name(self.meeting_id), {"type": PING, "feed": self.channel})
                self.pings_out += 1
            except Exception as error:
                self.went_stale(error)

    def went_stale(self, error: Exception | None) -> None:
        if self.stale_since is None:
            self.stale_since = time.monotonic()
            logger.warning(
                "Attendance feed of meeting %s lost its channel layer (%s); its boards wait for it to return",
                self.meeting_id,
                type(error).__name__ if error else "a ping was not heard back",
            )

    def pong(self) -> None:
        """The feed hears its group: if it may have missed changes, everyone gets a new snapshot."""
        self.pings_out = 0
        if self.stale_since is not None:
            self.stale_since = None
            logger.warning("Attendance feed of meeting %s hears its group again", self.meeting_id)
            self.changed()
        if time.monotonic() - self.beat_at >= HEARTBEAT_SECONDS:
            self.beat_at = time.monotonic()
            for subscriber in list(self.subscribers):
                subscriber.heartbeat()

    def changed(self, endpoint_ids: list[int] | None = None) -> None:
        """Something changed (these endpoints, or anything): every subscriber gets the changed
        rows (each at its own pace)."""
        self.seq += 1
        if isinstance(endpoint_ids, list) and all(isinstance(pk, int) for pk in endpoint_ids):
            self.pending.update(endpoint_ids)
        else:
            self.pending_whole = True
        # Build now, not at the first subscriber's slot: the rows are ready when it opens.
        builder = asyncio.create_task(self.build(self.seq))
        self.builders.add(builder)
        builder.add_done_callback(self._built)
        for subscriber in list(self.subscribers):
            subscriber.request_snapshot(self.seq)

    def _built(self, builder: asyncio.Task) -> None:
        self.builders.discard(builder)
        if not builder.cancelled() and builder.exception() is not None:
            logger.error("Attendance snapshot of meeting %s failed", self.meeting_id, exc_info=builder.exception())

    def fresh(self, *, whole: bool = False) -> int:
        """A sequence number only a new build satisfies, for one subscriber that needs it; with
        `whole`, that build reads the whole board (its states follow the clock)."""
        self.seq += 1
        self.pending_whole = self.pending_whole or whole
        return self.seq

    async def build(self, wanted: int) -> int:
        """Bring the state up to the changes heard up to `wanted`; returns the seq it reflects."""
        async with self.lock:
            if self.built_seq < wanted:
                if (wait := self.read_at + READ_INTERVAL - time.monotonic()) > 0:
                    await asyncio.sleep(wait)
                self.read_at = time.monotonic()
                seq, whole, ids = self.seq, self.pending_whole, self.pending
                self.pending, self.pending_whole = set(), False
                try:
                    await self.read(whole=whole, endpoint_ids=ids)
                except BaseException:
                    self.pending_whole = True  # read it all next time
                    raise
                self.built_seq = seq
            return self.built_seq

    async def read(self, *, whole: bool, endpoint_ids: set[int]) -> None:
        # Off the sync views' thread: behind a queue of check-in requests, boards would lag.
        reader = database_sync_to_async(read_board, thread_sensitive=False)
        if whole:
            self.state.apply_whole(await reader(self.meeting_id, unit_id=self.unit_id))
            self.built_at = time.monotonic()
        elif endpoint_ids:
            found = await reader(self.meeting_id, unit_id=self.unit_id, endpoint_ids=sorted(endpoint_ids))
            self.state.apply_some(found, endpoint_ids)


# Feeds per (event loop, meeting, unit): futures and locks belong to one loop (one per test).
_feeds: dict[tuple[int, int, int | None], MeetingFeed] = {}


def stale_feeds(*, older_than: float) -> list[int]:
    """Meetings whose feed in this process has not heard its group for `older_than` seconds (/healthz)."""
    now = time.monotonic()
    return sorted(f.meeting_id for f in list(_feeds.values()) if f.stale_since and now - f.stale_since > older_than)


async def join_feed(meeting_id: int, subscriber: Subscriber, unit_id: int | None = None) -> MeetingFeed:
    key = (id(asyncio.get_running_loop()), meeting_id, unit_id)
    feed = _feeds.get(key)
    if feed is None:
        feed = _feeds[key] = MeetingFeed(meeting_id, get_channel_layer(), unit_id)
        await feed.start()
    try:
        await asyncio.shield(feed.ready)
    except Exception:
        if _feeds.get(key) is feed:
            del _feeds[key]
        raise
    feed.subscribers.add(subscriber)
    return feed


async def leave_feed(feed: MeetingFeed, subscriber: Subscriber) -> None:
    feed.subscribers.discard(subscriber)
    key = (id(asyncio.get_running_loop()), feed.meeting_id, feed.unit_id)
    if not feed.subscribers and _feeds.get(key) is feed:
        del _feeds[key]
        await feed.stop()


class MeetingAttendanceConsumer(AsyncWebsocketConsumer):
    channel_layer_alias = NO_CHANNEL_LAYER

    async def __call__(self, scope: dict, receive: object, send: object) -> None:
        self.feed: MeetingFeed | None = None
        self.flushing: asyncio.Task | None = None
        self.rechecking: asyncio.Task | None = None
        self.beating: asyncio.Task | None = None
        try:
            await super().__call__(scope, receive, send)
        finally:
            # Also when the consumer fails: a feed must never keep a dead subscriber (nor, with
            # its last one gone, stay in _feeds for the next sockets to join).
            await self.disconnect(1011)

    async def connect(self) -> None:
        self.meeting_id = int(self.scope["url_route"]["kwargs"]["meeting_id"])
        self.wanted = self.sent_seq = 0
        self.sent_version: int | None = None  # None: the next message is a whole snapshot
        self.last_sent = self.sent_at = 0.0
        code, unit_id = await database_sync_to_async(refusal)(
            self.scope.get("user"), self.meeting_id, unit_param(self.scope)
        )
        # Accept, then close with a code: a refusal before the handshake reaches a browser as a
        # bare failure, and the board could not tell "not allowed" from "network down".
        await self.accept()
        if code is not None:
            await self.close(code=code)
            return
        try:
            self.feed = await join_feed(self.meeting_id, self, unit_id)
        except Exception:
            # The channel layer is down: the board polls, and reconnects later.
            logger.warning("Attendance board of meeting %s: no channel layer", self.meeting_id, exc_info=True)
            await self.close(code=1011)
            return
        # The feed is in the group: a change committed from now on reaches it; one committed
        # before is in the state it built (read whole when it started) or will build for the
        # notice on its way.
        self.request_snapshot(self.feed.fresh())
        self.rechecking = asyncio.create_task(self.recheck())

    async def disconnect(self, code: int) -> None:
        for task in (self.flushing, self.rechecking, self.beating):
            if task is not None and task is not asyncio.current_task():
                task.cancel()
        if self.feed is not None:
            feed, self.feed = self.feed, None
            await leave_feed(feed, self)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # The board asks again when the clock crosses an instant that changes states
        # (start - 15 min, start, start + grace, end): no server timer is needed for those.
        if self.feed is None or text_data is None:
            return
        try:
            message = json.loads(text_data)
        except ValueError:
            return
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "refresh":
            recent = time.monotonic() - self.feed.built_at <= REFRESH_REUSE_SECONDS
            self.request_snapshot(self.feed.built_seq if recent else self.feed.fresh(whole=True))
        elif kind == "resync":
            # The client lost track (a missed delta, a tab woken from sleep): the whole board,
            # from the state the feed keeps.
            self.sent_version = None
            self.request_snapshot(self.feed.built_seq)

    async def recheck(self) -> None:
        while self.feed is not None:
            await asyncio.sleep(AUTH_RECHECK_SECONDS)
            try:
                signed_in = await database_sync_to_async(still_signed_in)(self.scope)
            except Exception:
                logger.warning("Attendance board: could not re-check a subscriber", exc_info=True)
                continue
            if not signed_in:
                await self.close(code=CLOSE_UNAUTHENTICATED)
                feed, self.feed = self.feed, None
                if feed is not None:
                    await leave_feed(feed, self)
                return

    def heartbeat(self) -> None:
        # Only between snapshots: a snapshot being sent says as much.
        if self.flushing is None or self.flushing.done():
            self.beating = asyncio.create_task(self.send_heartbeat())

    async def send_heartbeat(self) -> None:
        with contextlib.suppress(Exception):
            await self.send(text_data=HEARTBEAT_TEXT)

    def request_snapshot(self, wanted: int) -> None:
        self.wanted = max(self.wanted, wanted)
        if self.flushing is None or self.flushing.done():
            delay = max(0.0, self.last_sent + SNAPSHOT_INTERVAL - time.monotonic())
            self.flushing = asyncio.create_task(self.flush(delay))

    async def flush(self, delay: float) -> None:
        try:
            while self.feed is not None and (self.wanted > self.sent_seq or self.sent_version is None):
                if delay > 0:
                    await asyncio.sleep(delay)
                if self.feed is None:
                    return
                # Slots are SNAPSHOT_INTERVAL apart from when each opened, not from when its send
                # finished: a busy process sends to its subscribers one after another, and timing
                # from the end would add that queueing to every interval (a slower rate and a
                # longer wait for the subscribers served last).
                slot = time.monotonic()
                seq = await self.feed.build(self.wanted)
                if self.feed is None:
                    return
                version = self.feed.state.version
                text = self.feed.state.message_since(self.sent_version)
                if text is not None:
                    # A slow build followed by a fast one must not put two messages closer
                    # than the interval.
                    if (gap := self.sent_at + SNAPSHOT_INTERVAL - time.monotonic()) > 0:
                        await asyncio.sleep(gap)
                        if self.feed is None:
                            return
                        version = self.feed.state.version
                        text = self.feed.state.message_since(self.sent_version) or text
                    try:
                        await self.send(text_data=text)
                    except Exception:
                        # The client is gone (closed, timed out, never finished the handshake):
                        # the server raises its own kind of error for each; disconnect() follows.
                        return
                    self.last_sent, self.sent_at = slot, time.monotonic()
                self.sent_seq, self.sent_version = seq, version
                # Changes heard meanwhile wait for the next slot.
                delay = slot + SNAPSHOT_INTERVAL - time.monotonic()
        except asyncio.CancelledError:
            raise
        except Exception:
            # Let the board fall back to polling rather than leave it silently stale.
            logger.exception("Attendance snapshot of meeting %s failed", self.meeting_id)
            with contextlib.suppress(RuntimeError):
                await self.close(code=1011)
