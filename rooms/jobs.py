"""The worker's minute tick: a list of plain jobs `job(now) -> int`, each idempotent (it computes
what is due from the database and records what it did), so a missed tick, a restart or two
workers never do anything twice. Add a job by appending it to JOBS.

The tick also leaves a heartbeat in the worker's own store (the Huey queue: a SQLite file or
Redis, which the web processes share), read by /healthz.
"""

import copy
import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from rooms.services import approval, readiness

logger = logging.getLogger(__name__)

Job = Callable[[datetime], int]

JOBS: list[Job] = [
    readiness.send_reminders,
    readiness.escalate_unready,
    approval.escalate_overdue_requests,  # department requests past their answer date
]

HEARTBEAT_KEY = "vconf.worker.last_tick"


def run_tick(now: datetime) -> dict[str, int]:
    """Run every job once at `now`; a job that raises is logged and the others still run."""
    done = {}
    for job in JOBS:
        try:
            done[job.__name__] = job(now)
        except Exception:
            logger.exception("Worker job %s failed at %s", job.__name__, now.isoformat())
            done[job.__name__] = -1
    record_heartbeat(now)
    return done


def _huey():  # type: ignore[no-untyped-def]
    from huey.contrib.djhuey import HUEY  # reads settings.HUEY on import

    return HUEY


def record_heartbeat(now: datetime) -> None:
    _huey().storage.put_data(HEARTBEAT_KEY, now.isoformat().encode())


def last_heartbeat() -> datetime | None:
    raw = _huey().storage.peek_data(HEARTBEAT_KEY)
    if not isinstance(raw, bytes | bytearray | memoryview):  # huey's EmptyData: never ticked
        return None
    return datetime.fromisoformat(bytes(raw).decode())


def enqueue_many(task: Any, arguments: Iterable[tuple]) -> int:
    """Queue one run of `task` per argument tuple; on Redis in one pipelined round trip (the
    storage's own enqueue, on a pipeline), else one by one (the SQLite queue, or Huey's immediate
    mode in tests). Returns the tasks queued."""
    huey = _huey()
    runs = [task.s(*args) for args in arguments]
    conn: Any = getattr(huey.storage, "conn", None)
    if huey.immediate or not hasattr(conn, "pipeline") or not runs:
        for run in runs:
            huey.enqueue(run)
        return len(runs)
    piped = copy.copy(huey.storage)
    piped.conn = conn.pipeline(transaction=False)
    for run in runs:
        piped.enqueue(huey.serialize_task(run), run.priority)
    piped.conn.execute()
    return len(runs)
