"""Port accounting over cascaded bridges, as API.md states it: a pure function of the shape.

Each endpoint uses its own bridge (the meeting's top bridge when it has none). Every other
bridge that carries endpoints reaches the top bridge through its `parent` chain, and each link
on the way takes one port on the child and one on the parent, once per meeting however many
endpoints ride it.
"""

from collections import Counter
from collections.abc import Iterable, Mapping


class UnreachableBridge(ValueError):
    """Some endpoints' bridges have no `parent` chain to the meeting's top bridge."""

    def __init__(self, bridge_ids: Iterable[int]) -> None:
        self.bridge_ids = sorted(set(bridge_ids))
        super().__init__(f"bridges {self.bridge_ids} do not cascade to the top bridge")


def links_to_top(bridge_id: int, *, top: int, parents: Mapping[int, int | None]) -> list[int] | None:
    """The bridges whose link up is used on the way from `bridge_id` to `top` (the child side of
    each link), or None when the chain ends, or loops, before reaching it."""
    chain: list[int] = []
    node: int | None = bridge_id
    while node != top:
        if node is None or node in chain:
            return None
        chain.append(node)
        node = parents.get(node)
    return chain


def ports_per_bridge(
    endpoint_bridges: Iterable[int | None], *, top: int, parents: Mapping[int, int | None]
) -> dict[int, int]:
    """Ports a meeting holds on each bridge: one per endpoint on its bridge, plus both ends of
    every cascade link used. `endpoint_bridges` has one entry per endpoint (None: the top's)."""
    per_bridge = Counter(top if b is None else b for b in endpoint_bridges)
    used_links: set[int] = set()
    unreachable = []
    for bridge_id in per_bridge:
        chain = links_to_top(bridge_id, top=top, parents=parents)
        if chain is None:
            unreachable.append(bridge_id)
        else:
            used_links.update(chain)
    if unreachable:
        raise UnreachableBridge(unreachable)
    ports = Counter(per_bridge)
    for child in used_links:
        ports[child] += 1
        ports[parents[child]] += 1  # type: ignore[index]  # a used link always has a parent
    return dict(ports)


def root_of(bridge_id: int, parents: Mapping[int, int | None]) -> int | None:
    """The top of a bridge's `parent` chain (itself when it has no parent); None on a loop."""
    seen: set[int] = set()
    node = bridge_id
    while (up := parents.get(node)) is not None:
        if node in seen:
            return None
        seen.add(node)
        node = up
    return node


def common_root(endpoint_bridges: Iterable[int | None], parents: Mapping[int, int | None]) -> int | None:
    """The top bridge of a meeting that names none and whose host has none: the root that every
    endpoint's bridge cascades to, or None when no endpoint has a bridge or their chains never
    meet (then the booking is refused; see docs/scheduling.md)."""
    roots = {root_of(b, parents) for b in set(endpoint_bridges) if b is not None}
    return roots.pop() if len(roots) == 1 and None not in roots else None


def held_ports(
    bridge_counts: Mapping[int | None, int], *, top: int | None, parents: Mapping[int, int | None]
) -> dict[int, int]:
    """Ports a booked meeting holds, from its endpoints counted per bridge ({bridge: n}, None for
    those without one). Lenient where ports_per_bridge refuses, because the bridges may have
    changed since the booking: an endpoint whose bridge no longer reaches the top still holds its
    own port there, with no link; with no top at all (booked before cascades and chains that
    never meet) each endpoint holds one port on its own bridge."""
    if top is None:
        top = common_root(bridge_counts, parents)
        if top is None:
            return {b: n for b, n in bridge_counts.items() if b is not None}
    per_bridge: Counter[int] = Counter()
    for bridge, n in bridge_counts.items():
        per_bridge[top if bridge is None else bridge] += n
    ports = Counter(per_bridge)
    used_links: set[int] = set()
    for bridge in per_bridge:
        used_links.update(links_to_top(bridge, top=top, parents=parents) or ())
    for child in used_links:
        ports[child] += 1
        ports[parents[child]] += 1  # type: ignore[index]  # a used link always has a parent
    return dict(ports)
