"""ASGI entry point: HTTP through Django, WebSocket through Channels (served by uvicorn)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vconf.settings")
# Django must be set up before anything imports models (the WebSocket routes do).
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from rooms.routing import websocket_urlpatterns  # noqa: E402
from rooms.ws_auth import token_or_session_auth  # noqa: E402
from vconf.layers import warn_at_start_up  # noqa: E402
from vconf.logs import redact_request_logs  # noqa: E402

redact_request_logs()
warn_at_start_up()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Session clients must come from an allowed Origin; token clients need none (rooms/ws_auth.py).
        "websocket": token_or_session_auth(URLRouter(websocket_urlpatterns)),
    }
)
