"""The bridges' call records in: the receiver an MCU posts to, the CSV import, the token rotation."""

import secrets
from collections.abc import Mapping
from typing import IO, Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import BaseParser, FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from rooms.cdr.csv_import import import_cdr_csv
from rooms.cdr.ingest import Accepted, rotate_cdr_token, store_records
from rooms.cdr.parsing import parse_delivery
from rooms.models import Bridge
from rooms.permissions import IsAdministrator
from rooms.services.csv_files import RowErrors
from rooms.views.csv_imports import CsvParser, uploaded_csv
from vconf.parsers import read_bounded

ACCEPTED = inline_serializer(
    "CdrAccepted", {"received": serializers.IntegerField(), "stored": serializers.IntegerField()}
)
ERROR = OpenApiResponse(description='{"detail": ...} or {"records": ["message"]}')


class RawBody(BaseParser):
    """Any body, as bytes, bounded by DATA_UPLOAD_MAX_MEMORY_SIZE (413 past it)."""

    media_type = "*/*"

    def parse(  # type: ignore[override]
        self, stream: IO[bytes] | None, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> bytes:
        return read_bounded(stream, parser_context)


class CdrThrottle(AnonRateThrottle):
    # An MCU posts every call event as it happens, hundreds a minute in a national conference,
    # all from one address: far above the anonymous limit, still bounded.
    rate = "6000/minute"


def accepted(result: Accepted) -> dict[str, int]:
    return {"received": result.received, "stored": result.stored}


class CdrReceiverView(APIView):
    # The MCU has no account: the bridge's cdr_token in the URL is its key.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [CdrThrottle]
    parser_classes = [RawBody]

    @extend_schema(
        tags=["bridges"],
        summary="Receive call records from the bridge (Cisco Meeting Server CDR XML, Pexip event-sink JSON)",
        description=(
            "Stores what the bridge does not have yet (a redelivered record adds nothing) and answers at once. "
            "Wrong or missing token: 403. XML with a DTD or entities is refused (400), nothing stored."
        ),
        parameters=[OpenApiParameter("token", OpenApiTypes.STR, required=True, description="The bridge's cdr_token")],
        request={"application/xml": OpenApiTypes.STR, "application/json": OpenApiTypes.OBJECT},
        responses={200: ACCEPTED, 400: ERROR, 403: ERROR, 404: ERROR, 413: ERROR},
    )
    def post(self, request: Request, pk: int) -> Response:
        bridge = get_object_or_404(Bridge.objects.only("pk", "cdr_token"), pk=pk)
        token = request.query_params.get("token", "")
        if not bridge.cdr_token or not secrets.compare_digest(bridge.cdr_token.encode(), token.encode()):
            raise PermissionDenied(_("Mã nhận CDR không đúng."))
        body = request.data if isinstance(request.data, bytes) else b""
        source, records = parse_delivery(body, request.content_type or "")
        return Response(accepted(store_records(bridge=bridge, source=source, records=records)))


class CdrImportView(APIView):
    permission_classes = [IsAdministrator]
    parser_classes = [MultiPartParser, FormParser, CsvParser]

    @extend_schema(
        tags=["bridges"],
        summary="Import call records from a CSV file (remote_address, connected_at, disconnected_at)",
        description='All rows or none: 400 {"rows": [{"row": n, "errors": {...}}]}.',
        request={"text/csv": OpenApiTypes.STR, "multipart/form-data": OpenApiTypes.OBJECT},
        responses={200: ACCEPTED, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    def post(self, request: Request, pk: int) -> Response:
        bridge = get_object_or_404(Bridge, pk=pk)
        data = uploaded_csv(request)
        try:
            result = import_cdr_csv(bridge=bridge, data=data)
        except RowErrors as error:
            return Response(error.as_body(), status=status.HTTP_400_BAD_REQUEST)
        return Response(accepted(result))


class RotateCdrTokenView(APIView):
    permission_classes = [IsAdministrator]

    @extend_schema(
        tags=["bridges"],
        summary="Issue a new cdr_token (the MCU's receiver URL must be updated)",
        request=None,
        responses={
            200: inline_serializer("CdrToken", {"cdr_token": serializers.CharField()}),
            403: ERROR,
            404: ERROR,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        bridge = rotate_cdr_token(bridge=get_object_or_404(Bridge, pk=pk))
        return Response({"cdr_token": bridge.cdr_token})
