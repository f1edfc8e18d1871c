"""Which bridge a booking is held on and how many ports it takes on each bridge of the cascade.

The top bridge is the meeting's `bridge` if given, else the host's; when neither has one but some
endpoints do, it is the root that all their bridges cascade to (a national conference whose
central hall has no bridge of its own still runs on the central MCU). Each endpoint uses its own
bridge (the top when it has none); each cascade link on the way up takes a port on both sides
(rooms.cascade.ports_per_bridge). An endpoint whose bridge does not reach the top is a 400.
"""

from collections.abc import Collection
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from rooms.cascade import UnreachableBridge, common_root, ports_per_bridge
from rooms.models import Bridge, Endpoint
from rooms.selectors.endpoints import few_names


@dataclass(frozen=True)
class Ports:
    top: Bridge | None
    per_bridge: dict[int, int]  # {bridge id: ports}, empty when no bridge is involved


def plan_ports(
    *, asked: Bridge | None, host: Endpoint, endpoints: Collection[Endpoint], use_host: bool = True
) -> Ports:
    """The top bridge and the ports per bridge of a booking of `endpoints` (the host included).
    `use_host` False: a missing `asked` does not fall back to the host's bridge (a change that
    keeps a meeting's bridge as it is)."""
    own = [e.bridge_id for e in endpoints]
    top_id = asked.pk if asked is not None else (host.bridge_id if use_host else None)
    if top_id is None and not any(own):
        return Ports(None, {})
    parents = dict(Bridge.objects.values_list("pk", "parent_id"))
    if top_id is None:
        top_id = common_root(own, parents)
        if top_id is None:
            raise ValidationError(
                {
                    "bridge": [
                        _("Các điểm cầu dùng những cầu MCU không nối với nhau: chọn cầu MCU chủ trì cho cuộc họp.")
                    ]
                }
            )
    try:
        per_bridge = ports_per_bridge(own, top=top_id, parents=parents)
    except UnreachableBridge as refused:
        raise unreachable(refused.bridge_ids, top_id=top_id, host=host, endpoints=endpoints) from refused
    top = asked if asked is not None and asked.pk == top_id else Bridge.objects.get(pk=top_id)
    return Ports(top, per_bridge)


def unreachable(
    bridge_ids: list[int], *, top_id: int, host: Endpoint, endpoints: Collection[Endpoint]
) -> ValidationError:
    """400 naming the endpoints whose bridge has no cascade to the top bridge."""
    stranded = sorted((e for e in endpoints if e.bridge_id in bridge_ids), key=lambda e: e.pk)
    top_name = Bridge.objects.filter(pk=top_id).values_list("name", flat=True).first()
    message = _("Cầu MCU của các điểm cầu này không nối lên cầu %(top)s của cuộc họp: %(names)s.") % {
        "top": top_name,
        # A few names and a count: a whole province's communes would otherwise be listed.
        "names": few_names([e.pk for e in stranded]),
    }
    return ValidationError({"host" if [e.pk for e in stranded] == [host.pk] else "endpoints": [message]})
