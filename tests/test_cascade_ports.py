"""Ports per bridge over a cascade (rooms/cascade.py): one per endpoint, both ends of each link."""

import pytest

from rooms.cascade import UnreachableBridge, ports_per_bridge

# 1 is the central MCU; 2 and 3 are provincial MCUs cascaded to it; 4 hangs under 2.
PARENTS = {1: None, 2: 1, 3: 1, 4: 2}


def test_one_bridge_counts_one_port_per_endpoint():
    assert ports_per_bridge([None, None, 1], top=1, parents=PARENTS) == {1: 3}


def test_each_link_takes_a_port_on_both_sides_once_per_meeting():
    # The central hall on 1, three communes on 2, two on 3.
    assert ports_per_bridge([1, 2, 2, 2, 3, 3], top=1, parents=PARENTS) == {1: 3, 2: 4, 3: 3}


def test_a_two_level_cascade_uses_every_link_on_the_way():
    assert ports_per_bridge([None, 4], top=1, parents=PARENTS) == {1: 2, 2: 2, 4: 2}


def test_a_provincial_top_needs_no_link():
    assert ports_per_bridge([2, 2, None], top=2, parents=PARENTS) == {2: 3}


def test_a_bridge_off_the_chain_is_named():
    with pytest.raises(UnreachableBridge) as refused:
        ports_per_bridge([2, 3, 9], top=2, parents={**PARENTS, 9: None})
    assert refused.value.bridge_ids == [3, 9]


def test_a_loop_is_unreachable_not_endless():
    with pytest.raises(UnreachableBridge):
        ports_per_bridge([5], top=1, parents={1: None, 5: 6, 6: 5})
