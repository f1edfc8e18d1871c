"""The receiver stores and queues; the worker derives the legs, once per bridge batch."""

from pathlib import Path

import pytest
from django.core.cache import cache
from huey.contrib.djhuey import HUEY

from rooms.cdr.ingest import rederive_bridge
from rooms.models import BridgeLeg, BridgeRecord, PendingLeg

FIXTURES = Path(__file__).parent / "fixtures" / "cdr"
CMS = (FIXTURES / "cms_meeting.xml").read_bytes()
LEG_FIELDS = ("leg", "remote", "connected_at", "disconnected_at", "endpoint_id", "participation_id")


@pytest.fixture
def rooms_with_addresses(province):
    province.ep_c1.dial_address = "sip:ubnd.tanthanh@langson.gov.vn"
    province.ep_c1.save()
    return province


@pytest.fixture
def worker_queue(monkeypatch):
    """Tasks wait in the (in-memory) queue as with a worker, until the test runs them."""
    monkeypatch.setattr(HUEY, "_immediate", False)
    cache.clear()  # no "task queued" flag left by another test

    def run() -> int:
        ran = 0
        while (task := HUEY.dequeue()) is not None:
            # Run as in immediate mode, so that the task keeps the test's database connection.
            monkeypatch.setattr(HUEY, "_immediate", True)
            HUEY.execute(task)
            monkeypatch.setattr(HUEY, "_immediate", False)
            ran += 1
        return ran

    return run


def post(api, bridge, body):
    return api().post(f"/api/bridges/{bridge.pk}/cdr/?token={bridge.cdr_token}", body, content_type="application/xml")


def legs():
    return list(BridgeLeg.objects.order_by("leg").values_list(*LEG_FIELDS))


def test_a_delivery_posted_twice_is_stored_once_and_derives_the_same_legs(
    api, rooms_with_addresses, attendance_meeting
):
    attendance_meeting()
    first = post(api, rooms_with_addresses.bridge, CMS)
    once = legs()
    second = post(api, rooms_with_addresses.bridge, CMS)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json() == {"received": 8, "stored": 0}
    assert BridgeRecord.objects.filter(bridge=rooms_with_addresses.bridge).count() == 8
    assert len(once) == 1 and legs() == once
    assert PendingLeg.objects.count() == 0  # the worker emptied the queue
    # What the queue derived is what rebuilding the bridge from its records gives.
    rederive_bridge(bridge=rooms_with_addresses.bridge)
    assert legs() == once


def test_the_receiver_answers_before_the_legs_and_the_worker_derives_them(
    api, rooms_with_addresses, attendance_meeting, worker_queue, django_capture_on_commit_callbacks
):
    attendance_meeting()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(api, rooms_with_addresses.bridge, CMS)
    assert response.json() == {"received": 8, "stored": 8}
    assert BridgeRecord.objects.count() == 8
    assert BridgeLeg.objects.count() == 0
    # One queue row per call leg the delivery brought records for.
    queued = sorted(PendingLeg.objects.values_list("leg", flat=True))
    assert queued == sorted(set(BridgeRecord.objects.values_list("leg", flat=True)))
    assert worker_queue() == 1
    assert BridgeLeg.objects.count() == 1
    assert PendingLeg.objects.count() == 0


def test_deliveries_while_the_task_waits_share_it(
    api, rooms_with_addresses, attendance_meeting, worker_queue, django_capture_on_commit_callbacks
):
    attendance_meeting()
    halves = CMS.split(b"</record>")
    first = b"</record>".join(halves[:4]) + b"</record></records>"
    with django_capture_on_commit_callbacks(execute=True):
        post(api, rooms_with_addresses.bridge, first)
    with django_capture_on_commit_callbacks(execute=True):
        post(api, rooms_with_addresses.bridge, CMS)
    assert BridgeRecord.objects.count() == 8
    assert HUEY.pending_count() == 1
    worker_queue()
    assert BridgeLeg.objects.count() == 1
    assert PendingLeg.objects.count() == 0
