"""The interval rules, checked with hypothesis on a 15-minute grid so boundaries collide."""

from datetime import datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rooms.models import Bridge, Meeting, Participation
from rooms.selectors.bridges import BridgeUse, bridge_conflicts
from tests.helpers import HANOI, book
from vconf.exceptions import Conflict

DAY = datetime(2026, 3, 3, 7, 0, tzinfo=HANOI)
SLOT = timedelta(minutes=15)

slots = st.integers(min_value=0, max_value=40)
lengths = st.integers(min_value=1, max_value=8)


class Rollback(Exception):
    pass


@pytest.mark.django_db
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    a=st.integers(min_value=10, max_value=40),
    a_len=lengths,
    delta=st.integers(min_value=-10, max_value=10),
    b_len=lengths,
    buffer_slots=st.sampled_from([0, 0, 1, 2]),
)
# The boundaries, always tried: back to back either way, and one buffer apart.
@example(a=20, a_len=4, delta=4, b_len=2, buffer_slots=0)
@example(a=20, a_len=4, delta=-2, b_len=2, buffer_slots=0)
@example(a=20, a_len=4, delta=5, b_len=2, buffer_slots=1)
@example(a=20, a_len=4, delta=4, b_len=2, buffer_slots=1)
@example(a=20, a_len=4, delta=-3, b_len=2, buffer_slots=1)
def test_an_endpoint_is_in_at_most_one_meeting_at_a_time(staff, province, clock, a, a_len, delta, b_len, buffer_slots):
    from django.conf import settings as django_settings

    b = a + delta

    old = django_settings.VCONF
    django_settings.VCONF = {**old, "SETUP_BUFFER_MINUTES": 15 * buffer_slots}
    buffer = SLOT * buffer_slots
    a_start, a_end = DAY + a * SLOT, DAY + (a + a_len) * SLOT
    b_start, b_end = DAY + b * SLOT, DAY + (b + b_len) * SLOT
    # Each booking occupies [start - buffer, end): back-to-back is fine, any overlap is not.
    expected_conflict = a_start - buffer < b_end and b_start - buffer < a_end
    try:
        with transaction.atomic():
            first = book(province, staff, a_start, a_end, [province.ep_c1], host=province.ep_d1, title="A")
            before = Participation.objects.count()
            try:
                book(province, staff, b_start, b_end, [province.ep_c1], host=province.ep_d2, title="B")
                refused = None
            except Conflict as conflict:
                refused = conflict
            if expected_conflict:
                assert refused is not None
                assert [(c["endpoint"], c["meeting"]) for c in refused.conflicts] == [(province.ep_c1.pk, first.pk)]
                assert Participation.objects.count() == before
                assert Meeting.objects.count() == 1
            else:
                assert refused is None
                assert Participation.objects.count() == before + 2
            raise Rollback
    except Rollback:
        pass
    finally:
        django_settings.VCONF = old


meetings = st.lists(st.tuples(slots, lengths, st.integers(min_value=1, max_value=6)), max_size=6)


@settings(max_examples=300, deadline=None)
@given(
    existing=meetings,
    start=slots,
    length=lengths,
    needed=st.integers(min_value=1, max_value=10),
    ports=st.integers(min_value=1, max_value=12),
)
def test_the_bridge_check_agrees_with_counting_ports_slot_by_slot(existing, start, length, needed, ports):
    bridge = Bridge(pk=1, name="MCU", ports=ports)
    load = [BridgeUse(i, DAY + s * SLOT, DAY + (s + n) * SLOT, p) for i, (s, n, p) in enumerate(existing)]
    conflicts = bridge_conflicts(
        load, bridge=bridge, start=DAY + start * SLOT, end=DAY + (start + length) * SLOT, ports_needed=needed
    )
    # Brute force: the ports in use during each 15-minute slot of the new meeting.
    used = [sum(p for s, n, p in existing if s <= t < s + n) for t in range(start, start + length)]
    short = [t for t, u in zip(range(start, start + length), used, strict=True) if ports - u < needed]
    assert bool(conflicts) == bool(short)
    if conflicts:
        assert min(c["ports_free"] for c in conflicts) == max(0, ports - max(used))
        covered = set()
        for c in conflicts:
            lo = (datetime.fromisoformat(c["start"]) - DAY) // SLOT
            hi = (datetime.fromisoformat(c["end"]) - DAY) // SLOT
            covered |= set(range(lo, hi))
        assert covered == set(short)
        assert all(c["ports_needed"] == needed and c["bridge"] == 1 for c in conflicts)
