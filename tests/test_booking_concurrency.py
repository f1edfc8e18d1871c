"""Eight clients book overlapping meetings on the same endpoint at the same moment: exactly one
wins, the others get 409 — on SQLite (a real file, so connections really compete) and on
PostgreSQL (CI runs the suite again with DATABASE_URL)."""

import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

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
