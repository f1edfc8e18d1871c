"""The worker's part of the CDR receiver: deriving the legs of the call legs the receiver queued.

The receiver stores a delivery's records and one PendingLeg row per call leg that got new ones,
then asks for a derivation of that bridge (`schedule_derivation`). Requests coalesce: while a
bridge's task waits in the queue, further deliveries only add rows to the queue it will read
(a cache flag, set when the task is queued and cleared when it starts). The task derives the
pending call legs of its bridge in batches, reading the alias table and the bridges' dial
addresses once per run, and deletes the rows it handled; a row added meanwhile is a new row, and
the delivery that added it queues the next task.

Huey's immediate mode (tests, HUEY_IMMEDIATE=1) derives at once, inside the caller's transaction.
"""

from django.core.cache import cache
from django.db import transaction
from huey.contrib.djhuey import HUEY, db_task

from rooms.cdr.attribution import endpoint_aliases
from rooms.cdr.ingest import cascade_addresses, derive_legs
from rooms.models import Bridge, PendingLeg

# Queue rows handled per transaction: the bridge's lock is held for one batch at a time.
BATCH = 20_000
# A queued task's flag outlives any queue wait we expect; past it a delivery queues another one
# (harmless: a task that finds nothing pending does nothing).
QUEUED_FLAG_SECONDS = 600


def queued_flag(bridge_id: int) -> str:
    return f"cdr:derivation-queued:{bridge_id}"


def derive_pending(*, bridge_id: int) -> int:
    """Derive the legs of every call leg queued for this bridge; the number of queue rows handled."""
    aliases, cascade = endpoint_aliases(), cascade_addresses()
    handled = 0
    while True:
        with transaction.atomic():
            bridge = Bridge.objects.select_for_update().filter(pk=bridge_id).first()
            if bridge is None:
                return handled
            rows = list(PendingLeg.objects.filter(bridge=bridge).order_by("id").values_list("id", "leg")[:BATCH])
            if not rows:
                return handled
            derive_legs(bridge=bridge, legs={leg for _, leg in rows}, aliases=aliases, cascade=cascade)
            PendingLeg.objects.filter(id__in=[pk for pk, _ in rows]).delete()
        handled += len(rows)


@db_task(name="rooms.derive_bridge_legs")
def derive_bridge_legs(bridge_id: int) -> int:
    cache.delete(queued_flag(bridge_id))  # a delivery from now on queues the next task
    return derive_pending(bridge_id=bridge_id)


def _queue_once(bridge_id: int) -> None:
    try:
        first = cache.add(queued_flag(bridge_id), 1, timeout=QUEUED_FLAG_SECONDS)
    except Exception:  # the cache is down: queue anyway, a task too many does no harm
        first = True
    if first:
        derive_bridge_legs(bridge_id)


def schedule_derivation(bridge_id: int) -> None:
    """Have the worker derive this bridge's pending legs once the caller's transaction commits."""
    if HUEY.immediate:
        derive_bridge_legs(bridge_id)
    else:
        # robust: the records are stored and queued whatever the queue's state; the next
        # delivery's task derives these legs too.
        transaction.on_commit(lambda: _queue_once(bridge_id), robust=True)
