"""Savings API: one meeting's breakdown, cost models, investments and the history import.
Leaders and office staff read; administrators write. The reports are in views/reports.py."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from analytics import services
from analytics.history import import_history_csv
from analytics.meeting_savings import meeting_breakdown
from analytics.models import CostModel, Investment
from analytics.serializers import (
    CostModelSerializer,
    HistoryImportResultSerializer,
    InvestmentSerializer,
    MeetingSavingsSerializer,
)
from rooms.models import Meeting
from rooms.permissions import IsAdministrator, ReadsReports, ReadsReportsAdminsWrite, can_watch_meeting
from rooms.serializers.imports import ImportErrorsSerializer
from rooms.services.csv_files import RowErrors, read_upload
from vconf.auth import signed_in
from vconf.openapi import FIELD_ERRORS, READERS_READ_ADMINISTRATORS_WRITE, guarded_resource_docs

NOT_FOUND = OpenApiResponse(description="Not found")
ROW_ERRORS = OpenApiResponse(
    ImportErrorsSerializer,
    description='Bad rows: {"rows": [{"row": n, "errors": {...}}]}; no file or an unreadable one: {"file": [...]}',
)


class MeetingSavingsView(APIView):
    permission_classes = [ReadsReports]

    @extend_schema(
        summary="One meeting's savings, endpoint by endpoint, with every input",
        description="As the attendance API: readers whose scope holds none of its endpoints are refused; "
        "others see the endpoints in their scope and the totals of those.",
        responses={200: MeetingSavingsSerializer, 403: READERS_READ_ADMINISTRATORS_WRITE, 404: NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        meeting = get_object_or_404(Meeting, pk=pk)
        if not can_watch_meeting(request.user, meeting.pk):
            raise exceptions.PermissionDenied(_("Cuộc họp này ngoài phạm vi đơn vị của bạn."))
        return Response(meeting_breakdown(meeting, user=request.user))


@guarded_resource_docs(
    CostModelSerializer,
    forbidden=READERS_READ_ADMINISTRATORS_WRITE,
    not_found=NOT_FOUND,
    list="Cost models (travel-allowance rates by effective date)",
    retrieve="One cost model",
    create=(
        "Add a cost model version from a date (administrators)",
        "Refused (400 on effective_from) if it would change how a held meeting was valued.",
    ),
    partial_update="Correct a cost model no held meeting used yet (administrators)",
    destroy="Delete a cost model no held meeting used (administrators)",
)
class CostModelViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CostModelSerializer
    permission_classes = [ReadsReportsAdminsWrite]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    queryset = CostModel.objects.select_related("created_by").order_by("province_code", "effective_from")

    def perform_create(self, serializer: BaseSerializer[CostModel]) -> None:
        serializer.instance = services.create_cost_model(
            created_by=signed_in(self.request), **serializer.validated_data
        )

    def perform_update(self, serializer: BaseSerializer[CostModel]) -> None:
        assert serializer.instance is not None  # an update has its instance
        serializer.instance = services.update_cost_model(model=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance: CostModel) -> None:
        services.delete_cost_model(model=instance)


@guarded_resource_docs(
    InvestmentSerializer,
    forbidden=READERS_READ_ADMINISTRATORS_WRITE,
    not_found=NOT_FOUND,
    list="Investments in the network",
    retrieve="One investment",
    create="Record an investment (administrators)",
)
class InvestmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = InvestmentSerializer
    permission_classes = [ReadsReportsAdminsWrite]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[Investment]:
        return Investment.objects.order_by("date", "id")

    def perform_create(self, serializer: BaseSerializer[Investment]) -> None:
        serializer.instance = services.create_investment(**serializer.validated_data)


class HistoryImportView(APIView):
    permission_classes = [IsAdministrator]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Import past meetings with head counts (CSV; administrators)",
        description="Columns: meeting_ref, title, start, end, host_endpoint, endpoint, attendees; optional "
        "structure, description. All rows or none; a meeting_ref already imported is skipped.",
        request={
            "multipart/form-data": inline_serializer("HistoryUpload", {"file": serializers.FileField()}),
        },
        responses={
            201: HistoryImportResultSerializer,
            400: ROW_ERRORS,
            403: READERS_READ_ADMINISTRATORS_WRITE,
            409: FIELD_ERRORS,
        },
    )
    def post(self, request: Request) -> Response:
        upload = request.FILES.get("file")
        if upload is None:
            raise serializers.ValidationError({"file": [_("Gửi tệp CSV trong trường “file”.")]})
        try:
            result = import_history_csv(data=read_upload(upload), by=signed_in(request))
        except RowErrors as error:
            return Response(error.as_body(), status=status.HTTP_400_BAD_REQUEST)
        return Response(result.as_dict(), status=status.HTTP_201_CREATED)
