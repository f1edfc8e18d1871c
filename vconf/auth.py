"""The signed-in account behind a request, for views whose permissions already require one."""

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework.request import Request


def signed_in(request: HttpRequest | Request) -> User:
    user = request.user
    if not isinstance(user, User):
        # Unreachable behind IsAuthenticated / login_required; refuses rather than acting as nobody.
        raise PermissionDenied
    return user
