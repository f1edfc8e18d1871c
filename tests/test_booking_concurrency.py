"""Eight clients book overlapping meetings on the same endpoint at the same moment: exactly one
wins, the others get 409 — on SQLite (a real file, so connections really compete) and on
PostgreSQL (CI runs the suite again with DATABASE_URL)."""

import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection
from rest_framework.test import APIClient

from rooms.models import Meeting, Participation
from tests.helpers import HANOI

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
CLIENTS = 8


@pytest.fixture
def shared_database(province, staff, tmp_path: Path) -> Iterator[None]:
    """Connections of other threads must see the same database. The SQLite test database is in
    memory (shared cache, whose locks fail at once instead of waiting): copy it, fixtures
    included, to a file and point new connections there for the length of the test."""
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    path = tmp_path / "concurrency.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    previous = connection.settings_dict["NAME"]
    connection.settings_dict["NAME"] = str(path)
    try:
        yield
    finally:
        connection.settings_dict["NAME"] = previous


def in_thread(work: Callable[[], object]) -> object:
    """Run `work` on a fresh thread (its own database connection) and return its result."""
    result: list = []

    def run() -> None:
        try:
            result.append(work())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=120)
    return result[0]


def race(staff, province) -> list[int]:
    barrier = threading.Barrier(CLIENTS)
    statuses: list[int] = []
    lock = threading.Lock()

    def client(i: int) -> None:
        try:
            api = APIClient()
            api.force_authenticate(staff)
            start = datetime(2026, 3, 3, 9, 5 * i, tzinfo=HANOI)
            body = {
                "title": f"Họp {i}",
                "start": start.isoformat(),
                "end": (start + timedelta(hours=1)).isoformat(),
                "host": province.ep_d1.pk,
                "endpoints": [province.ep_c1.pk],
            }
            barrier.wait(timeout=30)
            response = api.post("/api/meetings/", body, format="json")
            with lock:
                statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return sorted(statuses)


def count_bookings(endpoint_id: int) -> tuple[int, int]:
    return Meeting.objects.count(), Participation.objects.filter(endpoint_id=endpoint_id, active=True).count()


def test_eight_clients_race_for_one_endpoint_and_exactly_one_wins(staff, province, clock, shared_database):
    statuses = race(staff, province)
    assert statuses == [201] + [409] * (CLIENTS - 1)
    assert in_thread(lambda: count_bookings(province.ep_c1.pk)) == (1, 1)


def test_the_database_alone_lets_exactly_one_win_when_the_service_check_sees_nothing(
    staff, province, clock, shared_database, monkeypatch
):
    # As if every request had checked before any other committed: only the database guard
    # (exclusion constraint or trigger) stands between them, and its refusal must be a 409.
    monkeypatch.setattr("rooms.selectors.meetings.busy_participations", lambda **kwargs: [])
    statuses = race(staff, province)
    assert statuses == [201] + [409] * (CLIENTS - 1)
    assert in_thread(lambda: count_bookings(province.ep_c1.pk)) == (1, 1)


# --- two levels of bridges -------------------------------------------------------------------

CENTRAL_PORTS = 6  # each meeting below takes 2 central ports: its room and one link down


@pytest.fixture
def cascade(province, staff) -> SimpleNamespace:
    """A central MCU over two provincial MCUs; eight central rooms and eight communes, half on each."""
    from rooms.models import Bridge
    from tests.conftest import make_endpoint

    central = Bridge.objects.create(name="MCU trung ương", ports=CENTRAL_PORTS)
    provincial = [Bridge.objects.create(name=f"MCU tỉnh {i}", ports=40, parent=central) for i in (1, 2)]
    rooms = [make_endpoint(province.unit, f"Phòng trung ương {i}", bridge=central) for i in range(CLIENTS)]
    communes = [make_endpoint(province.c1, f"Xã {i}", bridge=provincial[i % 2]) for i in range(CLIENTS)]
    # Lạng Sơn's own rooms, on the first provincial MCU, for its own meetings.
    local = [make_endpoint(province.c2, f"Phòng {i}", bridge=provincial[0]) for i in range(CLIENTS)]
    return SimpleNamespace(central=central, provincial=provincial, rooms=rooms, communes=communes, local=local)


@pytest.fixture
def shared_cascade(cascade, shared_database) -> SimpleNamespace:
    return cascade


def cascade_race(staff, meetings: list[tuple[int, list[int]]]) -> list[int]:
    """One client per (host, endpoints), all at once, each at 09:00 + 5 minutes × its index: no
    endpoint is shared, only bridge ports."""
    barrier = threading.Barrier(len(meetings))
    statuses: list[int] = []
    lock = threading.Lock()

    def client(i: int) -> None:
        try:
            api = APIClient()
            api.force_authenticate(staff)
            start = datetime(2026, 3, 3, 9, 5 * i, tzinfo=HANOI)
            host, endpoints = meetings[i]
            body = {
                "title": f"Hội nghị {i}",
                "start": start.isoformat(),
                "end": (start + timedelta(hours=1)).isoformat(),
                "host": host,
                "endpoints": endpoints,
            }
            barrier.wait(timeout=30)
            response = api.post("/api/meetings/", body, format="json")
            with lock:
                statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(meetings))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return sorted(statuses)


def central_ports_booked(net: SimpleNamespace) -> int:
    # Independently of the service: every meeting here overlaps the others (09:00–10:35), and
    # each holds its central room and the link from its provincial MCU.
    live = Meeting.objects.filter(status="scheduled")
    return sum(1 + Participation.objects.filter(meeting=m, endpoint__bridge__parent=net.central).exists() for m in live)


def test_bookings_on_two_provincial_mcus_never_oversubscribe_the_central_one(staff, clock, shared_cascade):
    net = shared_cascade
    statuses = cascade_race(staff, [(net.rooms[i].pk, [net.communes[i].pk]) for i in range(CLIENTS)])
    assert statuses == [201] * (CENTRAL_PORTS // 2) + [409] * (CLIENTS - CENTRAL_PORTS // 2)
    assert in_thread(lambda: central_ports_booked(shared_cascade)) == CENTRAL_PORTS


def provincial_ports_booked(net: SimpleNamespace) -> int:
    """Ports held on the first provincial MCU, counted from the rows: one per endpoint on it, one
    for its link up when a meeting's top is the central MCU."""
    mcu = net.provincial[0]
    total = 0
    for m in Meeting.objects.filter(status="scheduled"):
        on_it = Participation.objects.filter(meeting=m, endpoint__bridge=mcu).count()
        total += on_it + (on_it > 0 and m.bridge_id == net.central.pk)
    return total


def test_national_and_provincial_bookings_never_oversubscribe_the_provincial_mcu(staff, clock, shared_cascade):
    # Half the clients book a national meeting (central room + a commune of the first province:
    # 2 of its ports with the link), half a provincial meeting of two of its rooms (2 ports).
    net = shared_cascade
    mcu = net.provincial[0]
    in_thread(lambda: type(mcu).objects.filter(pk=mcu.pk).update(ports=6))
    first = [c for c in net.communes if c.bridge_id == mcu.pk]
    meetings = [
        (net.rooms[i].pk, [first[i // 2].pk]) if i % 2 == 0 else (net.local[i].pk, [net.local[i - 1].pk])
        for i in range(CLIENTS)
    ]
    statuses = cascade_race(staff, meetings)
    assert statuses == [201] * 3 + [409] * (CLIENTS - 3)
    assert in_thread(lambda: provincial_ports_booked(net)) == 6
