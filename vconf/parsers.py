"""Request-body parsers of the API: bounded in size and in nesting.

DRF's own JSONParser reads the whole stream without Django's DATA_UPLOAD_MAX_MEMORY_SIZE check
(a 200 MB body was parsed and cost a worker 400 MB) and lets the RecursionError of a deeply nested
document (`[` × 100,000) escape as a 500. These parsers refuse both with a JSON 4xx, before the
body is read in the first case.
"""

import json
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers, status
from rest_framework.utils.json import strict_constant


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "body_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(_("Nội dung yêu cầu quá lớn (tối đa %(size)s byte).") % {"size": f"{limit:,}"})


def body_limit() -> int:
    # None in Django's settings means "no limit"; the API keeps one all the same.
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440


def read_bounded(
    stream: IO[bytes] | None, parser_context: Mapping[str, Any] | None, *, limit: int | None = None
) -> bytes:
    """The request body, refused with a 413 when over `limit` bytes (DATA_UPLOAD_MAX_MEMORY_SIZE
    by default): by its Content-Length before anything is read, otherwise once limit + 1 bytes
    have arrived, so a body without a length costs at most the limit."""
    limit = body_limit() if limit is None else limit
    request = (parser_context or {}).get("request")
    meta = getattr(request, "META", {})
    try:
        declared = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise BodyTooLarge(limit)
    if stream is None:
        return b""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise BodyTooLarge(limit)
    return data


class JSONParser(parsers.JSONParser):
    """DRF's JSONParser with a size limit and a 400 for nesting too deep to parse."""

    def parse(
        self, stream: IO[bytes] | None, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        data = read_bounded(stream, parser_context)
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        constant = strict_constant if self.strict else None
        try:
            return json.loads(data.decode(encoding), parse_constant=constant)
        except ValueError as error:
            raise exceptions.ParseError(_("JSON không hợp lệ: %s") % error) from None
        except RecursionError:
            raise exceptions.ParseError(_("JSON lồng nhau quá sâu.")) from None
