"""Endpoints and bridges API. Everyone signed in reads; administrators write."""

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from rooms.models import Bridge, Endpoint, EndpointStatus, Structure
from rooms.permissions import ReadOnlyForAll
from rooms.selectors.endpoints import distance_details, endpoints_for_api, filter_endpoints
from rooms.serializers.endpoints import BridgeSerializer, EndpointSerializer, find_unit
from rooms.services.endpoint_import import import_bridges_csv, import_endpoints_csv
from rooms.services.endpoints import create_bridge, create_endpoint, update_bridge, update_endpoint
from rooms.views.csv_imports import answer_import, csv_import_action
from vconf.auth import signed_in
from vconf.fields import query_choice, query_int
from vconf.openapi import ADMINISTRATORS_ONLY, FIELD_ERRORS
from vconf.params import text_param

NOT_FOUND = OpenApiResponse(description="No such endpoint")


class AdministeredViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Read by everyone signed in; added and changed (PATCH, never PUT or DELETE) by administrators."""

    permission_classes = [ReadOnlyForAll]
    write_roles = ()  # administrators only
    http_method_names = ["get", "post", "patch", "head", "options"]


@extend_schema_view(
    list=extend_schema(
        summary="Endpoints, with their effective distance to the host",
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=EndpointStatus.values),
            OpenApiParameter("structure", OpenApiTypes.STR, enum=Structure.values, description="Tree of the unit."),
            OpenApiParameter("unit", OpenApiTypes.STR, description="Unit code: endpoints in it and below it."),
            OpenApiParameter("bridge", OpenApiTypes.INT),
            OpenApiParameter("search", OpenApiTypes.STR, description="Part of the name, unit name or dial address."),
        ],
        responses={200: EndpointSerializer(many=True), 400: FIELD_ERRORS},
    ),
    retrieve=extend_schema(summary="One endpoint", responses={200: EndpointSerializer, 404: NOT_FOUND}),
    create=extend_schema(
        summary="Add an endpoint (administrators)",
        description="Its first status (default planned) enters the history from `status_since` (default today).",
        responses={201: EndpointSerializer, 400: FIELD_ERRORS, 403: ADMINISTRATORS_ONLY},
        examples=[
            OpenApiExample(
                "A commune pilot",
                request_only=True,
                value={
                    "name": "UBND xã Tân Thanh",
                    "unit": "06280",
                    "unit_structure": "legacy",
                    "seats": 30,
                    "status": "pilot",
                    "status_since": "2018-06-01",
                },
            )
        ],
    ),
    partial_update=extend_schema(
        summary="Change an endpoint (administrators)",
        description=(
            "`status` with an optional `status_since` (or `effective`) date records a status change in the history "
            "(today by default). A step back (in service → pilot, retired → in service) needs an explicit date."
        ),
        responses={200: EndpointSerializer, 400: FIELD_ERRORS, 403: ADMINISTRATORS_ONLY, 404: NOT_FOUND},
    ),
)
class EndpointViewSet(AdministeredViewSet):
    serializer_class = EndpointSerializer

    def get_queryset(self) -> QuerySet[Endpoint]:
        endpoints = endpoints_for_api().order_by("unit__structure", "unit__code", "name")
        if self.action != "list":
            return endpoints
        params = self.request.query_params
        structure = query_choice(params, "structure", Structure.values)
        unit = None
        if code := text_param(params, "unit", max_length=20):
            unit = find_unit(code, structure)
            if unit is None:
                raise serializers.ValidationError({"unit": [_("Không có đơn vị mã “%s”.") % code[:20]]})
        return filter_endpoints(
            endpoints,
            status=query_choice(params, "status", EndpointStatus.values),
            structure=structure,
            unit=unit,
            bridge=query_int(params, "bridge"),
            search=text_param(params, "search", max_length=100) or None,
        )

    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        # One bulk distance lookup for the whole page instead of one per endpoint.
        context = {**self.get_serializer_context(), "distances": distance_details([e.pk for e in page])}
        return self.get_paginated_response(self.get_serializer(page, many=True, context=context).data)

    def perform_create(self, serializer: BaseSerializer[Endpoint]) -> None:
        serializer.instance = create_endpoint(by=signed_in(self.request), **serializer.validated_data)

    def perform_update(self, serializer: BaseSerializer[Endpoint]) -> None:
        assert serializer.instance is not None  # an update has its instance
        serializer.instance = update_endpoint(
            endpoint=serializer.instance, by=signed_in(self.request), **serializer.validated_data
        )

    @csv_import_action(
        name="Endpoint",
        key="endpoints",
        summary="Import endpoints from CSV (administrators): all rows or none",
        description=(
            "Multipart field `file`, or the CSV itself with Content-Type text/csv. Columns: name, unit; optional "
            "unit_structure, legacy_unit, seats, dial_address, connection, bridge (id or name), road_km, status, "
            "status_since, operators (usernames). Row numbers count the header as row 1."
        ),
        bad_rows='Bad rows: {"rows": [{"row": n, "errors": {...}}]}; an unreadable file: {"file": [...]}',
    )
    def import_csv(self, request: Request) -> Response:
        return answer_import(request, "endpoints", lambda data: import_endpoints_csv(data=data, by=signed_in(request)))


@extend_schema_view(
    list=extend_schema(summary="Bridges (MCUs) and their ports"),
    retrieve=extend_schema(summary="One bridge", responses={200: BridgeSerializer, 404: NOT_FOUND}),
    create=extend_schema(
        summary="Add a bridge (administrators)",
        responses={201: BridgeSerializer, 400: FIELD_ERRORS, 403: ADMINISTRATORS_ONLY},
    ),
    partial_update=extend_schema(
        summary="Change a bridge (administrators)",
        responses={200: BridgeSerializer, 400: FIELD_ERRORS, 403: ADMINISTRATORS_ONLY, 404: NOT_FOUND},
    ),
)
class BridgeViewSet(AdministeredViewSet):
    serializer_class = BridgeSerializer
    queryset = Bridge.objects.select_related("unit").annotate(endpoint_count=Count("endpoints")).order_by("name")

    def perform_create(self, serializer: BaseSerializer[Bridge]) -> None:
        serializer.instance = create_bridge(**serializer.validated_data)

    def perform_update(self, serializer: BaseSerializer[Bridge]) -> None:
        assert serializer.instance is not None  # an update has its instance
        serializer.instance = update_bridge(bridge=serializer.instance, **serializer.validated_data)

    @csv_import_action(
        name="Bridge",
        key="bridges",
        summary="Import bridges from CSV (administrators): all rows or none",
        description=(
            "Columns: name, ports; optional dial_address, parent (name or id of the MCU it cascades to, "
            "in the file or already saved), unit (code). Row numbers count the header as row 1."
        ),
        bad_rows='Bad rows: {"rows": [{"row": n, "errors": {...}}]}',
    )
    def import_csv(self, request: Request) -> Response:
        return answer_import(request, "bridges", lambda data: import_bridges_csv(data=data))
