"""The in-memory channel layer and cache are per process: fine for one worker, silently wrong for
several (a check-in reaches only the boards of its own worker, feed versions and rate limits are
counted per worker). A system check and a start-up line say so; docs/deployment.md says why."""

import logging
import multiprocessing
import os

from django.conf import settings
from django.core import checks

logger = logging.getLogger("vconf")

IN_MEMORY_LAYER = "channels.layers.InMemoryChannelLayer"
LOCAL_CACHES = ("django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache")


def per_process_services() -> list[str]:
    found = []
    if settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND") == IN_MEMORY_LAYER:
        found.append("channel layer")
    if settings.CACHES.get("default", {}).get("BACKEND") in LOCAL_CACHES:
        found.append("cache")
    return found


def declared_workers() -> int:
    # WEB_CONCURRENCY is what uvicorn (and gunicorn) read as the default number of workers.
    try:
        return int(os.environ.get("WEB_CONCURRENCY", "1"))
    except ValueError:
        return 1


WARNING = (
    "The {services} {verb} in memory, per process: with several workers a check-in updates only the "
    "boards of its own worker, calendar feeds go stale and rate limits count per worker."
)
HINT = "Set REDIS_URL (docs/deployment.md), or run a single worker."


@checks.register(checks.Tags.compatibility)
def several_workers_need_redis(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    services = per_process_services()
    if not services or declared_workers() <= 1:
        return []
    text = WARNING.format(services=" and ".join(services), verb="are" if len(services) > 1 else "is")
    return [checks.Warning(f"{text} WEB_CONCURRENCY={declared_workers()}.", hint=HINT, id="vconf.W010")]


@checks.register(checks.Tags.compatibility, deploy=True)
def production_needs_redis(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    services = per_process_services()
    if not services:
        return []
    text = WARNING.format(services=" and ".join(services), verb="are" if len(services) > 1 else "is")
    return [checks.Warning(text, hint=HINT, id="vconf.W011")]


def warn_at_start_up() -> None:
    """One line per worker at start-up. uvicorn's workers are child processes of its supervisor:
    a worker with a parent process (or WEB_CONCURRENCY > 1) is one of several."""
    services = per_process_services()
    if not services:
        return
    several = declared_workers() > 1 or multiprocessing.parent_process() is not None
    text = WARNING.format(services=" and ".join(services), verb="are" if len(services) > 1 else "is")
    if several:
        logger.warning("%s Worker pid %s is one of several (or runs under --reload). %s", text, os.getpid(), HINT)
    else:
        logger.info("%s One worker: fine.", text)
