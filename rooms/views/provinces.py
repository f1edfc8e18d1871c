"""Province settings and coverage targets: report readers read, administrators write."""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.serializers import BaseSerializer

from rooms.models import CoverageTarget, ProvinceSettings
from rooms.permissions import ReadsReportsAdminsWrite
from rooms.serializers.provinces import CoverageTargetSerializer, ProvinceSettingsSerializer
from rooms.services import provinces as services

FIELD_ERRORS = OpenApiResponse(description='Refused, with a message per field: {"field": ["message"]}')
FORBIDDEN = OpenApiResponse(description="Leaders, office staff and administrators read; administrators write")
NOT_FOUND = OpenApiResponse(description="No such province settings or target")


class _ReadCreatePatch(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [ReadsReportsAdminsWrite]
    http_method_names = ["get", "post", "patch", "head", "options"]


@extend_schema_view(
    list=extend_schema(
        summary="Province settings: host endpoint and circuity factor of each province",
        responses={200: ProvinceSettingsSerializer(many=True), 400: FIELD_ERRORS, 403: FORBIDDEN},
    ),
    retrieve=extend_schema(
        summary="One province's settings", responses={200: ProvinceSettingsSerializer, 403: FORBIDDEN, 404: NOT_FOUND}
    ),
    create=extend_schema(
        summary="Configure a province (administrators)",
        responses={201: ProvinceSettingsSerializer, 400: FIELD_ERRORS, 403: FORBIDDEN},
    ),
    partial_update=extend_schema(
        summary="Change a province's settings (administrators)",
        responses={200: ProvinceSettingsSerializer, 400: FIELD_ERRORS, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
)
class ProvinceSettingsViewSet(_ReadCreatePatch):
    serializer_class = ProvinceSettingsSerializer
    lookup_field = "province_code"
    lookup_url_kwarg = "code"
    lookup_value_regex = "[^/]{1,10}"

    def get_queryset(self) -> QuerySet[ProvinceSettings]:
        return ProvinceSettings.objects.order_by("province_code")

    def perform_create(self, serializer: BaseSerializer[ProvinceSettings]) -> None:
        serializer.instance = services.create_province_settings(**serializer.validated_data)

    def perform_update(self, serializer: BaseSerializer[ProvinceSettings]) -> None:
        assert serializer.instance is not None  # an update has its instance
        serializer.instance = services.update_province_settings(
            settings=serializer.instance, **serializer.validated_data
        )


@extend_schema_view(
    list=extend_schema(
        summary="Coverage targets (x% of communes by a date), per province or nationwide",
        responses={200: CoverageTargetSerializer(many=True), 400: FIELD_ERRORS, 403: FORBIDDEN},
    ),
    retrieve=extend_schema(
        summary="One coverage target", responses={200: CoverageTargetSerializer, 403: FORBIDDEN, 404: NOT_FOUND}
    ),
    create=extend_schema(
        summary="Add a coverage target (administrators)",
        responses={201: CoverageTargetSerializer, 400: FIELD_ERRORS, 403: FORBIDDEN},
    ),
    partial_update=extend_schema(
        summary="Change a coverage target (administrators)",
        responses={200: CoverageTargetSerializer, 400: FIELD_ERRORS, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
)
class CoverageTargetViewSet(_ReadCreatePatch):
    serializer_class = CoverageTargetSerializer

    def get_queryset(self) -> QuerySet[CoverageTarget]:
        targets = CoverageTarget.objects.order_by("province_code", "due", "id")
        province = self.request.query_params.get("province")
        return targets.filter(province_code=province[:10]) if province else targets

    def perform_create(self, serializer: BaseSerializer[CoverageTarget]) -> None:
        serializer.instance = services.create_coverage_target(**serializer.validated_data)

    def perform_update(self, serializer: BaseSerializer[CoverageTarget]) -> None:
        assert serializer.instance is not None  # an update has its instance
        serializer.instance = services.update_coverage_target(target=serializer.instance, **serializer.validated_data)
