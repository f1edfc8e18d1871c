"""vconf serves WebSockets with uvicorn's protocol, compressing at zlib level 1 (see the module)."""

import asyncio

from uvicorn.config import Config
from uvicorn.server import ServerState

from vconf.websocket_protocol import COMPRESS_SETTINGS, WebSocketProtocol


def protocol(**options: object) -> WebSocketProtocol:
    config = Config("vconf.asgi:application", ws="vconf.websocket_protocol:WebSocketProtocol", **options)
    config.load()
    assert config.ws_protocol_class is WebSocketProtocol
    loop = asyncio.new_event_loop()
    try:
        return WebSocketProtocol(config=config, server_state=ServerState(), app_state={}, _loop=loop)
    finally:
        loop.close()


def test_uvicorn_loads_it_by_name_and_it_offers_fast_compression():
    (deflate,) = protocol().available_extensions
    assert deflate.name == "permessage-deflate"
    assert deflate.compress_settings == COMPRESS_SETTINGS == {"level": 1, "memLevel": 8}


def test_it_offers_no_compression_when_uvicorn_is_told_not_to():
    assert not protocol(ws_per_message_deflate=False).available_extensions
