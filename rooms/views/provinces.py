"""Province settings and coverage targets: report readers read, administrators write."""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse
from rest_framework import mixins, viewsets
from rest_framework.serializers import BaseSerializer

from rooms.models import CoverageTarget, ProvinceSettings
from rooms.permissions import ReadsReportsAdminsWrite
from rooms.serializers.provinces import CoverageTargetSerializer, ProvinceSettingsSerializer
from rooms.services import provinces as services
from vconf.openapi import READERS_READ_ADMINISTRATORS_WRITE, guarded_resource_docs

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


@guarded_resource_docs(
    ProvinceSettingsSerializer,
    forbidden=READERS_READ_ADMINISTRATORS_WRITE,
    not_found=NOT_FOUND,
    list_refuses_filters=True,
    list="Province settings: host endpoint and circuity factor of each province",
    retrieve="One province's settings",
    create="Configure a province (administrators)",
    partial_update="Change a province's settings (administrators)",
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


@guarded_resource_docs(
    CoverageTargetSerializer,
    forbidden=READERS_READ_ADMINISTRATORS_WRITE,
    not_found=NOT_FOUND,
    list_refuses_filters=True,
    list="Coverage targets (x% of communes by a date), per province or nationwide",
    retrieve="One coverage target",
    create="Add a coverage target (administrators)",
    partial_update="Change a coverage target (administrators)",
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
