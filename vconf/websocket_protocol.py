"""The WebSocket protocol uvicorn serves vconf with: `uvicorn --ws vconf.websocket_protocol:WebSocketProtocol`.

uvicorn's own (the `websockets` implementation) compresses every message with permessage-deflate at
zlib's default level 6. The live board sends the same snapshot to every subscriber several times
a second, compressed separately for each connection, so at level 6 compression dominates a
worker's CPU and delays the last subscriber. Level 1 is far cheaper and a snapshot of repetitive
JSON still shrinks by an order of magnitude, so a board on a slow line keeps nearly all of the
saving (docs/attendance.md). Everything else is uvicorn's.
"""

from typing import Any

from uvicorn.protocols.websockets.websockets_impl import WebSocketProtocol as UvicornWebSocketProtocol
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory

# zlib settings for each connection's compressor: fastest level, full window and memory.
COMPRESS_SETTINGS = {"level": 1, "memLevel": 8}


class WebSocketProtocol(UvicornWebSocketProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.available_extensions:  # type: ignore[has-type]  # --ws-per-message-deflate is on (uvicorn's default)
            self.available_extensions = [ServerPerMessageDeflateFactory(compress_settings=COMPRESS_SETTINGS)]
