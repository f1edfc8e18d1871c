from django.http import HttpRequest

from rooms.models import Role
from rooms.permissions import can_read_reports, has_role, roles_of


def roles(request: HttpRequest) -> dict:
    """Which navigation entries the page header shows to this user."""
    user = request.user
    return {
        "can_book": has_role(user, Role.STAFF),
        "can_operate": has_role(user, Role.OPERATOR),
        "can_read_reports": can_read_reports(user),
        "is_admin_user": has_role(user),
        # A department's account (rooms/services/request_rules.py): its requests page.
        "is_requester": Role.REQUESTER in roles_of(user) and not has_role(user, Role.STAFF),
    }
