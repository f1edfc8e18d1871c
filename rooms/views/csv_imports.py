"""The all-or-none CSV imports of the administration API: the upload, its schema and its answer."""

from collections.abc import Callable, Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any, TypeVar

from django.db.models import Model
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import BaseParser, FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from rooms.serializers.imports import ImportErrorsSerializer
from rooms.services.csv_files import MAX_FILE_BYTES, RowErrors, read_upload
from vconf.openapi import ADMINISTRATORS_ONLY
from vconf.parsers import JSONParser, read_bounded

if TYPE_CHECKING:  # only the stubs name the type `action` returns
    from rest_framework.decorators import ViewSetAction

View = TypeVar("View", bound=Callable[..., Response])


class CsvParser(BaseParser):
    """A CSV file sent as the request body (Content-Type: text/csv), at most MAX_FILE_BYTES."""

    media_type = "text/csv"

    # The body itself becomes request.data: the view reads the file, not a parsed mapping.
    def parse(  # type: ignore[override]
        self, stream: IO[bytes] | None, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> bytes:
        return read_bounded(stream, parser_context, limit=MAX_FILE_BYTES)


def uploaded_csv(request: Request) -> bytes:
    """The CSV of an import: the multipart field `file`, or the body sent as text/csv."""
    upload = request.FILES.get("file")
    if upload is not None:
        return read_upload(upload)
    if isinstance(request.data, bytes):
        return request.data
    raise serializers.ValidationError({"file": [_("Gửi tệp CSV trong trường “file”.")]})


def csv_import_action(
    *, name: str, key: str, summary: str, description: str, bad_rows: str
) -> "Callable[[View], ViewSetAction[View]]":
    """`POST …/import/` (administrators), answered {"created": n, key: [ids]} by `answer_import`."""
    schema = extend_schema(
        summary=summary,
        description=description,
        request={
            "multipart/form-data": inline_serializer(f"{name}Import", {"file": serializers.FileField()}),
            "text/csv": OpenApiTypes.STR,
        },
        responses={
            201: inline_serializer(
                f"{name}ImportResult",
                {"created": serializers.IntegerField(), key: serializers.ListField(child=serializers.IntegerField())},
            ),
            400: OpenApiResponse(ImportErrorsSerializer, description=bad_rows),
            403: ADMINISTRATORS_ONLY,
        },
    )
    route = action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser, CsvParser, JSONParser],
    )
    return lambda view: schema(route(view))


def answer_import(request: Request, key: str, save_rows: Callable[[bytes], Sequence[Model]]) -> Response:
    """201 with the ids `save_rows` created from the uploaded CSV, or 400 naming every bad row."""
    data = uploaded_csv(request)
    try:
        created = save_rows(data)
    except RowErrors as error:
        return Response(error.as_body(), status=status.HTTP_400_BAD_REQUEST)
    return Response({"created": len(created), key: [row.pk for row in created]}, status=status.HTTP_201_CREATED)
