"""Random cascades: random trees of bridges with random ports, random meetings booked through the
service. Whatever was accepted, no bridge is ever over its ports at any instant — counted here
from the database rows with a walk of our own, not with the code under test."""

from collections import Counter
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rooms.models import Bridge, Meeting, Participation
from rooms.services import booking
from tests.conftest import make_endpoint
from tests.helpers import at
from vconf.exceptions import Conflict

pytestmark = pytest.mark.django_db
ENDPOINTS = 8


@st.composite
def scenarios(draw: st.DrawFn) -> dict:
    size = draw(st.integers(1, 5))
    # Each bridge's parent is an earlier one or none: a forest, as the API allows (no loops).
    parents = [None] + [draw(st.one_of(st.none(), st.integers(0, i - 1))) for i in range(1, size)]
    bridge = st.one_of(st.none(), st.integers(0, size - 1))
    meeting = st.tuples(
        st.integers(0, ENDPOINTS - 1),  # host
        st.sets(st.integers(0, ENDPOINTS - 1), min_size=1, max_size=6),  # endpoints
        st.integers(0, 8),  # start, in half hours from 08:00
        st.integers(1, 4),  # length, in half hours
        bridge,  # the meeting's bridge, or the host's
    )
    return {
        "parents": parents,
        "ports": [draw(st.integers(1, 6)) for _ in range(size)],
        "endpoint_bridges": [draw(bridge) for _ in range(ENDPOINTS)],
        "meetings": draw(st.lists(meeting, min_size=1, max_size=10)),
    }


def book_all(scenario: dict, province, staff) -> int:
    bridges: list[Bridge] = []
    for ports, parent in zip(scenario["ports"], scenario["parents"], strict=True):
        parent_bridge = bridges[parent] if parent is not None else None
        bridges.append(Bridge.objects.create(name=f"MCU {len(bridges)}", ports=ports, parent=parent_bridge))
    endpoints = [
        make_endpoint(province.c1, f"Phòng {i}", bridge=bridges[b] if b is not None else None)
        for i, b in enumerate(scenario["endpoint_bridges"])
    ]
    booked = 0
    for host, others, start, length, asked in scenario["meetings"]:
        begin = at(3, 8) + timedelta(minutes=30 * start)
        try:
            booking.book_meeting(
                organizer=staff,
                title="Họp",
                start=begin,
                end=begin + timedelta(minutes=30 * length),
                host=endpoints[host],
                endpoints=[endpoints[i] for i in others],
                bridge=bridges[asked] if asked is not None else None,
                notify=False,
            )
            booked += 1
        except (Conflict, ValidationError):
            pass
    return booked


def ports_from_rows() -> list[tuple]:
    """(start, end, {bridge: ports}) per scheduled meeting, from the rows alone."""
    parents = dict(Bridge.objects.values_list("pk", "parent_id"))
    bridges_of: dict[int, list] = {}
    for meeting_id, bridge_id in Participation.objects.filter(active=True).values_list(
        "meeting_id", "endpoint__bridge_id"
    ):
        bridges_of.setdefault(meeting_id, []).append(bridge_id)
    uses = []
    for meeting in Meeting.objects.filter(status="scheduled"):
        top, held = meeting.bridge_id, Counter()
        own = bridges_of[meeting.pk]
        if top is None:
            assert all(b is None for b in own)  # a meeting without a bridge holds no ports
            continue
        links = set()
        for bridge in own:
            node = top if bridge is None else bridge
            held[node] += 1
            while node != top:
                assert parents[node] is not None, "an accepted meeting reaches its top bridge"
                links.add(node)
                node = parents[node]
        for child in links:
            held[child] += 1
            held[parents[child]] += 1
        uses.append((meeting.start, meeting.end, held))
    return uses


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios())
def test_no_bridge_is_ever_over_its_ports(scenario, province, staff, clock):
    with transaction.atomic():
        book_all(scenario, province, staff)
        capacity = dict(Bridge.objects.values_list("pk", "ports"))
        uses = ports_from_rows()
        for instant in {start for start, _e, _h in uses}:
            load: Counter = Counter()
            for start, end, held in uses:
                if start <= instant < end:
                    load.update(held)
            assert all(load[b] <= capacity[b] for b in load), (instant, load, capacity)
        transaction.set_rollback(True)
