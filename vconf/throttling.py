"""The API's rate limits, kept in the cache (Redis in production).

- Fail open: without its store (Redis down) a limit is skipped and logged, never a 500 on every
  request, check-ins included. Guessing passwords is still bounded by django-axes (database).
- Keyed on the address the proxy saw: DRF's `get_ident` trusts X-Forwarded-For only as far as
  REST_FRAMEWORK["NUM_PROXIES"] says (vconf/settings.py, NUM_PROXIES); with 0, REMOTE_ADDR,
  which uvicorn's --proxy-headers sets from a trusted proxy only.
- The web login form shares the token endpoint's "auth" limit (LoginRateThrottle).
"""

import logging
import time

from django.http import HttpRequest
from rest_framework import throttling

logger = logging.getLogger(__name__)
# One warning per this many seconds while the store is down, not one per request.
WARN_EVERY_SECONDS = 60.0
_last_warning = 0.0


def _skip(error: Exception) -> bool:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= WARN_EVERY_SECONDS:
        _last_warning = now
        logger.warning("Rate limits skipped: their cache cannot be read (%s: %s)", type(error).__name__, error)
    return True


class FailOpen:
    def allow_request(self, request: HttpRequest, view: object) -> bool:
        try:
            return super().allow_request(request, view)  # type: ignore[misc]
        except Exception as error:
            return _skip(error)


class AnonRateThrottle(FailOpen, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(FailOpen, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(FailOpen, throttling.ScopedRateThrottle):
    pass


class LoginRateThrottle(FailOpen, throttling.SimpleRateThrottle):
    """The "auth" rate for the login page, counted with the same key as POST /api/auth/token/
    from an anonymous client, so the two share one budget per address."""

    scope = "auth"

    def get_cache_key(self, request: HttpRequest, view: object) -> str:
        # get_ident reads request.META only, which a Django request has as well as DRF's.
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}  # type: ignore[arg-type]
