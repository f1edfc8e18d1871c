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
