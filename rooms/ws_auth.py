"""WebSocket authentication: the browser session, or `?token=<key>` for other clients."""

from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from rest_framework.authtoken.models import Token

ASGIApp = Callable[[dict, Callable, Callable], Awaitable[None]]


@database_sync_to_async
def user_for_token(key: str) -> AbstractBaseUser | AnonymousUser:
    token = Token.objects.select_related("user").filter(key=key).first()
    return token.user if token and token.user.is_active else AnonymousUser()


class TokenAuthMiddleware:
    def __init__(self, inner: ASGIApp) -> None:
        self.inner = inner

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        keys = parse_qs(scope.get("query_string", b"").decode()).get("token")
        if keys:
            scope = {**scope, "user": await user_for_token(keys[0])}
        return await self.inner(scope, receive, send)


def token_or_session_auth(inner: ASGIApp) -> ASGIApp:
    # The session stack runs first and sets scope["user"]; a token, when given, overrides it.
    return AuthMiddlewareStack(TokenAuthMiddleware(inner))
