"""What the tests share besides fixtures: instants on the fixed clock's calendar, a booking and
its API body, and the rows a refused write must leave as they were."""

import json
from collections.abc import Collection
from datetime import datetime
from zoneinfo import ZoneInfo

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.test import Client

from rooms.models import Bridge, CheckIn, Endpoint, Meeting, Participation
from rooms.services import booking
from rooms.services.booking_rules import BookingRequest

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: int, hour: int, minute: int = 0, *, month: int = 3, year: int = 2026) -> datetime:
    """A time in Hanoi, in March 2026 unless told (the fixed clock is Monday 2 March, 08:00)."""
    return datetime(year, month, day, hour, minute, tzinfo=HANOI)


def book(
    province,
    staff: User,
    start: datetime,
    end: datetime,
    endpoints: Collection[Endpoint] | None = None,
    host: Endpoint | None = None,
    title: str = "Họp",
) -> Meeting:
    """A meeting booked through the service, without mail: the host and Tân Thanh (c1) by default."""
    return booking.book_meeting(
        organizer=staff,
        title=title,
        start=start,
        end=end,
        host=host or province.host,
        endpoints=endpoints if endpoints is not None else [province.ep_c1],
        notify=False,
    )


def book_series(
    province, staff: User, start: datetime, end: datetime, endpoints: Collection[Endpoint], *, rule: str, **options
):
    """A series booked through the service (`options`: skip_conflicts, notify...), hosted by the province."""
    request = BookingRequest(
        organizer=staff, title="Giao ban", start=start, end=end, host=province.host, endpoints=endpoints
    )
    return booking.book(request, rule=rule, **options)


def meeting_body(province, start: datetime, end: datetime, endpoints=None, **extra: object) -> dict:
    """A POST /api/meetings/ body: the host and Tân Thanh (c1) unless told."""
    data = {
        "title": "Họp giao ban",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "host": province.host.pk,
        "endpoints": [e.pk for e in endpoints] if endpoints is not None else [province.ep_c1.pk],
    }
    data.update(extra)
    return data


def booking_form(province, **extra: object) -> dict:
    """The booking page's form for an hour on 3 March at 09:00, hosted by the province."""
    form = {"title": "Họp", "day": "2026-03-03", "start_time": "09:00", "end_time": "10:00"}
    return {**form, "host": province.host.pk, "endpoints": [province.ep_c1.pk], "action": "book", **extra}


def snapshot() -> tuple:
    """Everything a write could have touched, to prove a refused request changed nothing."""
    return (
        list(
            Meeting.objects.order_by("pk").values_list(
                "pk", "title", "start", "end", "host_id", "status", "sequence", "bridge_id"
            )
        ),
        list(
            Participation.objects.order_by("pk").values_list(
                "pk", "meeting_id", "endpoint_id", "start", "end", "active"
            )
        ),
        list(CheckIn.objects.order_by("pk").values_list("pk", "endpoint_id", "kind")),
        list(
            Endpoint.objects.order_by("pk").values_list(
                "pk", "name", "unit_id", "seats", "status", "road_km", "feed_token"
            )
        ),
        sorted(Endpoint.operators.through.objects.values_list("endpoint_id", "user_id")),
        list(Bridge.objects.order_by("pk").values_list("pk", "ports")),
    )


async def session_cookie(user: User) -> tuple[Client, tuple[bytes, bytes]]:
    """A browser signed in as `user` and the cookie header a live-board socket sends for it."""
    browser = Client()
    await database_sync_to_async(browser.force_login)(user)
    return browser, (b"cookie", f"sessionid={browser.cookies['sessionid'].value}".encode())


async def opened(communicator: WebsocketCommunicator) -> dict:
    """Connects a live-board socket and returns the attendance snapshot it sends first."""
    connected, _ = await communicator.connect()
    assert connected
    message = json.loads(await communicator.receive_from(timeout=3))
    assert message["type"] == "attendance"
    return message


class LiveBoard:
    """A live-board client for tests (delegated): applies the first snapshot, then each delta, as
    static/js/liveboard.js does; `board` has the shape of a whole snapshot."""

    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.communicator = communicator
        self.board: dict = {}
        self.rows: dict[int, dict] = {}
        self.messages: list[dict] = []

    async def next(self, timeout: float = 3) -> dict:
        """The board after the next snapshot or delta (heartbeats skipped)."""
        while True:
            message = json.loads(await self.communicator.receive_from(timeout=timeout))
            if message["type"] in ("attendance", "attendance.delta"):
                break
        self.messages.append(message)
        if message["type"] == "attendance":
            self.board = dict(message)
            self.rows = {row["endpoint"]: row for row in message["endpoints"]}
        else:
            assert self.board, "a delta before any snapshot"
            for pk in message["removed"]:
                self.rows.pop(pk, None)
            self.rows.update({row["endpoint"]: row for row in message["endpoints"]})
            lines = {line["province"]: line for line in self.board["provinces"]}
            lines.update({line["province"]: line for line in message["provinces"]})
            self.board.update(
                status=message["status"],
                totals=message["totals"],
                provinces=[line for _, line in sorted(lines.items()) if line["endpoints"]],
            )
        self.board["endpoints"] = list(self.rows.values())
        return self.board
