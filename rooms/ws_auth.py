"""WebSocket authentication: the browser session, or `?token=<key>` for other clients.

The Origin check guards the session cookie against other sites' pages (cross-site WebSocket
hijacking). A `?token=` request never uses the session (the token, right or wrong, overrides it),
so it needs no Origin: scripts and apps send none.
"""

from collections.abc import Awaitable, Callable
from importlib import import_module
from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import AllowedHostsOriginValidator
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest
from rest_framework.authtoken.models import Token

ASGIApp = Callable[[dict, Callable, Callable], Awaitable[None]]


def query_token(scope: dict) -> str | None:
    keys = parse_qs(scope.get("query_string", b"").decode(errors="replace")).get("token")
    return keys[0] if keys else None


@database_sync_to_async
def user_for_token(key: str) -> AbstractBaseUser | AnonymousUser:
    token = Token.objects.select_related("user").filter(key=key).first()
    return token.user if token and token.user.is_active else AnonymousUser()


def still_signed_in(scope: dict) -> bool:
    """Whether the credential a socket opened with still signs its user in: the token still
    exists, or the session was neither logged out nor outdated by a new password."""
    user = scope.get("user")
    if user is None or not user.is_authenticated:
        return False
    key = query_token(scope)
    if key is not None:
        return Token.objects.filter(key=key, user_id=user.pk, user__is_active=True).exists()
    session: SessionBase | None = scope.get("session")
    if session is None or session.session_key is None:
        return False
    # A fresh read of the session (the socket's copy is from its handshake); auth.get_user checks
    # the password hash stored in it against the user's current one.
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session.session_key)
    return auth.get_user(request).pk == user.pk


class TokenAuthMiddleware:
    def __init__(self, inner: ASGIApp) -> None:
        self.inner = inner

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        key = query_token(scope)
        if key is not None:
            scope = {**scope, "user": await user_for_token(key)}
        return await self.inner(scope, receive, send)


class OriginCheckUnlessToken:
    """Channels' AllowedHostsOriginValidator for session clients only."""

    def __init__(self, inner: ASGIApp) -> None:
        self.inner = inner
        self.checked = AllowedHostsOriginValidator(inner)

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        app = self.inner if query_token(scope) is not None else self.checked
        await app(scope, receive, send)


def token_or_session_auth(inner: ASGIApp) -> ASGIApp:
    # The session stack runs first and sets scope["user"]; a token, when given, overrides it.
    return OriginCheckUnlessToken(AuthMiddlewareStack(TokenAuthMiddleware(inner)))
