"""The audit trail of the rooms app: which models django-auditlog records, and who did it.

Every booking, change, cancellation, check-in, endpoint status change and account change is
written to auditlog's LogEntry with the actor, the time and the fields that changed. Registration
happens once, from RoomsConfig.ready(); analytics/audit.py does the same for cost models and
investments. Administrators read the trail at /quan-tri/nhat-ky/ (rooms/views/audit_pages.py).
"""

from typing import Any

from auditlog.middleware import AuditlogMiddleware
from auditlog.registry import auditlog
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from rooms.models import (
    Bridge,
    CheckIn,
    CoverageTarget,
    DayOff,
    Endpoint,
    Meeting,
    MeetingRequest,
    Participation,
    Profile,
    ProvinceSettings,
    Series,
    StatusChange,
    Unit,
)


def register_models() -> None:
    """Register the rooms models (and the user accounts) with auditlog. Safe to call twice."""
    # `updated_at` changes on every save and says nothing the entry's own timestamp does not.
    auditlog.register(Meeting, exclude_fields=["updated_at"])
    auditlog.register(Participation)
    auditlog.register(Series)
    auditlog.register(CheckIn)
    # Who may record attendance for a room is a security fact: track the operators list. The feed
    # token is a credential: a rotation is recorded, its value masked.
    auditlog.register(Endpoint, m2m_fields={"operators"}, mask_fields=["feed_token"])
    auditlog.register(StatusChange)
    auditlog.register(Bridge)
    auditlog.register(ProvinceSettings)
    auditlog.register(CoverageTarget)
    auditlog.register(DayOff)
    auditlog.register(MeetingRequest)
    auditlog.register(Unit)
    # The home unit decides a user's scope, the groups their roles: both are access control.
    auditlog.register(Profile)
    # The password hash never goes into the trail; last_login changes at every login (noise).
    auditlog.register(get_user_model(), m2m_fields={"groups"}, exclude_fields=["password", "last_login"])


class ActorMiddleware(AuditlogMiddleware):
    """auditlog's middleware, reading the user when an entry is written rather than when the
    request arrives. DRF authenticates a token inside the view (and then sets request.user on the
    Django request), so without this every change made through the API would have no actor."""

    @staticmethod
    def _get_actor(request: HttpRequest) -> Any:
        return SimpleLazyObject(lambda: AuditlogMiddleware._get_actor(request))
