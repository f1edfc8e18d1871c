"""Who may do what: the roles, the home-unit scope, and the DRF permission classes built on them.

Every view reuses these; a rule about access is written here once.
"""

from django.contrib.auth import models as auth
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from rooms.models import Endpoint, Role, Unit
from rooms.selectors.board import is_within
from rooms.selectors.units import endpoints_under_units

User = auth.User | auth.AnonymousUser
# Roles are read once per request: the user object carries them for the views and permissions after it.
ROLES_CACHE = "_vconf_roles"


def roles_of(user: User) -> set[str]:
    if not user.is_authenticated:
        return set()
    roles: set[str] | None = getattr(user, ROLES_CACHE, None)
    if roles is None:
        roles = set(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            roles.add(Role.ADMINISTRATOR)
        setattr(user, ROLES_CACHE, roles)
    return roles


def has_role(user: User, *roles: str) -> bool:
    mine = roles_of(user)
    return Role.ADMINISTRATOR in mine or any(role in mine for role in roles)


def is_administrator(user: User) -> bool:
    return Role.ADMINISTRATOR in roles_of(user)


def can_read_reports(user: User) -> bool:
    """Reports are for leaders, office staff and administrators."""
    return has_role(user, Role.LEADER, Role.STAFF)


def home_unit(user: User) -> "Unit | None":
    profile = getattr(user, "profile", None) if user.is_authenticated else None
    return profile.home_unit if profile else None


def endpoints_in_scope(user: User) -> QuerySet[Endpoint]:
    """Endpoints this user may book (staff) or act on: administrators and users without a home
    unit see every endpoint; others only those in their home unit's subtree."""
    unit = home_unit(user)
    if is_administrator(user) or unit is None:
        return Endpoint.objects.all()
    return endpoints_under_units([unit])


def can_operate(user: User, endpoint: Endpoint) -> bool:
    """Record attendance for an endpoint: its operators and administrators."""
    if is_administrator(user):
        return True
    if not isinstance(user, auth.User) or not has_role(user, Role.OPERATOR):
        return False
    return endpoint.operators.filter(pk=user.pk).exists()


def can_watch_meeting(user: User, meeting_id: int) -> bool:
    """See a meeting's attendance (live board, attendance API): administrators, staff and leaders
    whose scope holds one of its endpoints, and the operators of its endpoints."""
    if not user.is_authenticated:
        return False
    if is_administrator(user):
        return True
    booked = Endpoint.objects.filter(participations__meeting_id=meeting_id)
    if has_role(user, Role.STAFF, Role.LEADER) and endpoints_in_scope(user).filter(pk__in=booked).exists():
        return True
    return has_role(user, Role.OPERATOR) and booked.filter(operators=user).exists()


def board_unit(user: User, asked: Unit | None = None) -> Unit | None:
    """The unit whose subtree a user's board of a meeting shows (None: the whole meeting).

    Delegated scope: a user with a home unit sees their part of a meeting (a province its rooms of
    a national conference), administrators and users without one see all of it. A board asked for
    a unit (`?unit=`) shows that unit's part when it lies in the user's scope, the user's own part
    when the unit contains it (the national board opened by a province), and is refused when the
    two do not overlap."""
    home = None if is_administrator(user) else home_unit(user)
    if asked is None or home is None:
        return asked or home
    if is_within(asked, home):
        return asked
    if is_within(home, asked):
        return home
    raise PermissionDenied(_("Đơn vị %(code)s ngoài phạm vi của bạn.") % {"code": asked.code})


class ReadOnlyForAll(BasePermission):
    """Any authenticated user reads; writes need one of the view's `write_roles`
    (administrators always pass)."""

    default_write_roles: tuple[str, ...] = ()

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not request.user.is_authenticated:
            return False
        if request.method in SAFE_METHODS:
            return True
        return has_role(request.user, *getattr(view, "write_roles", self.default_write_roles))


class IsAdministrator(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.user.is_authenticated and is_administrator(request.user)


class ReadsReports(BasePermission):
    """Leaders, office staff and administrators."""

    message = _("Chỉ lãnh đạo, văn phòng và quản trị được xem báo cáo.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.user.is_authenticated and can_read_reports(request.user)


class ReadsReportsAdminsWrite(ReadsReports):
    """Report readers read; administrators write (cost models, investments)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS:
            return super().has_permission(request, view)
        return request.user.is_authenticated and is_administrator(request.user)


class CanBook(ReadOnlyForAll):
    """Office staff and administrators write; everyone reads. Departments (requester) pass too:
    their bookings are pending, and the services refuse them every other write."""

    default_write_roles = (Role.STAFF, Role.REQUESTER)
