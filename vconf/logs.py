"""Access logs without secrets: `?token=` (the WebSocket's API token, a calendar feed's key) is
replaced by `token=***` in every record of the loggers that write request lines."""

import logging
import re

TOKEN_IN_QUERY = re.compile(r"(?i)((?:^|[?&;])token=)[^&\s\"']*")
# uvicorn writes HTTP request lines to uvicorn.access and WebSocket handshakes to uvicorn.error;
# django.server is runserver's.
REQUEST_LOGGERS = ("uvicorn.access", "uvicorn.error", "django.server", "django.request")


def redact(text: str) -> str:
    return TOKEN_IN_QUERY.sub(r"\1***", text)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True


def redact_request_logs() -> None:
    """Attach the filter to the request loggers (uvicorn configures its own before Django starts,
    so a LOGGING entry would replace its handlers: the filter is added to the loggers instead)."""
    for name in REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
