"""The WebSocket protocol uvicorn serves vconf with: `uvicorn --ws vconf.websocket_protocol:WebSocketProtocol`.

uvicorn's own (the `websockets` implementation) compresses every message with permessage-deflate at
zlib's default level 6. The live board sends the same ~60 KB snapshot to every subscriber
several times a second, each compressed separately for its connection, and at level 6 that
compression was 37% of a worker's CPU and the main cause of the delay before the last subscriber
got its snapshot (bench/live.py, docs/attendance.md). Level 1 compresses about three times
faster and a 60 KB snapshot still shrinks about fifteenfold (~4 KB instead of ~3 KB at level 6), so
a board on a slow line keeps nearly all of the saving. Everything else is uvicorn's.
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
