"""Operations API: the days-off calendar, approving or rejecting a department's request, and a
bridge's capacity. Each view calls one service or one selector."""

import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.capacity import bridge_capacity
from rooms.models import Bridge, DayOffKind, Meeting
from rooms.permissions import ReadsReports
from rooms.services import approval, days_off
from rooms.views.meetings import meeting_body
from vconf import clock
from vconf.auth import signed_in
from vconf.fields import StrictCharField, query_datetime, query_int

ERROR = inline_serializer("OperationsError", {"detail": serializers.CharField()})
FIELD_ERRORS = OpenApiResponse(description='Refused input, a message per field: {"field": ["message"]}')


class DayOffSerializer(serializers.Serializer):
    date = serializers.DateField()
    name = StrictCharField(max_length=200)
    # A plain string, not a ChoiceField: a second enum named "kind" (check-ins have one) would
    # collide in the schema.
    kind = StrictCharField(default=DayOffKind.DAY_OFF, help_text="day_off or working_day")
    province = StrictCharField(max_length=10, required=False, allow_blank=True, default="")

    def validate_kind(self, value: str) -> str:
        if value not in DayOffKind.values:
            raise serializers.ValidationError(_("Chọn một trong: %s.") % ", ".join(DayOffKind.values))
        return value


DAY_ROW_FIELDS: dict[str, serializers.Field] = {
    "date": serializers.DateField(),
    "name": serializers.CharField(),
    "kind": serializers.CharField(help_text="day_off or working_day"),
    "province": serializers.CharField(help_text="Blank: the whole country"),
    "source": serializers.CharField(help_text="law (the holidays package) or entered"),
}
DAY_ROW = inline_serializer("DayOffRow", DAY_ROW_FIELDS)
DAY_ROWS = inline_serializer("DayOffRow", DAY_ROW_FIELDS, many=True)


class HolidayView(APIView):
    @extend_schema(
        tags=["operations"],
        summary="Days off and make-up working days of a year",
        description="Vietnam's public holidays (source `law`) plus the days entered (source `entered`): "
        "a province's own days off and the Government's make-up working days. `province` narrows the "
        "entered days to the country's and that province's.",
        parameters=[
            OpenApiParameter("year", OpenApiTypes.INT, description="Default: this year"),
            OpenApiParameter("province", OpenApiTypes.STR, description="Province code"),
        ],
        responses={200: DAY_ROWS, 400: FIELD_ERRORS},
    )
    def get(self, request: Request) -> Response:
        year = query_int(request.query_params, "year", lo=2000, hi=2100) or timezone.localdate(clock.now()).year
        province = request.query_params.get("province", "").strip()[:10]
        return Response(days_off.year_days(year, province=province))

    @extend_schema(
        tags=["operations"],
        summary="Enter a day off or a make-up working day (administrators)",
        request=DayOffSerializer,
        responses={201: DAY_ROW, 400: FIELD_ERRORS, 403: ERROR},
    )
    def post(self, request: Request) -> Response:
        incoming = DayOffSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        row = days_off.add_day(
            actor=signed_in(request),
            day=data["date"],
            name=data["name"],
            kind=data["kind"],
            province_code=data["province"],
        )
        body = {"date": row.date.isoformat(), "name": row.name, "kind": row.kind, "province": row.province_code}
        return Response({**body, "source": "entered"}, status=status.HTTP_201_CREATED)


class RejectSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=2000, help_text="Told to the requester")


class ApproveView(APIView):
    @extend_schema(
        tags=["meetings"],
        summary="Approve a department's pending request (office staff whose scope holds it)",
        description="Pending → scheduled; the operators get the confirmed invitation.",
        request=None,
        responses={200: OpenApiResponse(description="The meeting"), 403: ERROR, 404: ERROR, 409: ERROR},
    )
    def post(self, request: Request, pk: int) -> Response:
        meeting = get_object_or_404(Meeting, pk=pk)
        return Response(meeting_body(approval.approve_request(meeting=meeting, actor=signed_in(request))))


class RejectView(APIView):
    @extend_schema(
        tags=["meetings"],
        summary="Reject a department's pending request with a reason",
        description="The meeting is kept as cancelled (its request says rejected, with the reason); its rooms "
        "and ports are freed; the requester is told by e-mail.",
        request=RejectSerializer,
        responses={
            200: OpenApiResponse(description="The meeting"),
            400: FIELD_ERRORS,
            403: ERROR,
            404: ERROR,
            409: ERROR,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        meeting = get_object_or_404(Meeting, pk=pk)
        incoming = RejectSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        reason = incoming.validated_data["reason"]
        return Response(meeting_body(approval.reject_request(meeting=meeting, actor=signed_in(request), reason=reason)))


# A capacity read sweeps every meeting of the range: a quarter is what planning needs.
MAX_CAPACITY_DAYS = 92


def capacity_range(request: Request) -> tuple[dt.datetime, dt.datetime]:
    now = clock.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    start = query_datetime(request.query_params, "from") or today
    end = query_datetime(request.query_params, "to") or start + dt.timedelta(days=28)
    # One time zone for the 15-minute grid, whatever offsets the two were sent with.
    start, end = timezone.localtime(start), timezone.localtime(end)
    if end <= start:
        raise serializers.ValidationError({"to": [_("Phải sau thời điểm bắt đầu.")]})
    if end - start > dt.timedelta(days=MAX_CAPACITY_DAYS):
        raise serializers.ValidationError({"to": [_("Khoảng xem tối đa %(days)s ngày.") % {"days": MAX_CAPACITY_DAYS}]})
    return start, end


class CapacityView(APIView):
    permission_classes = [ReadsReports]

    @extend_schema(
        tags=["endpoints"],
        summary="A bridge's capacity: booked ports per 15 minutes, refusals, the ports to buy",
        description="`peak` and `p95` (working hours of working days) of the ports booked per 15 minutes, "
        "`hours_above_80` (% of the bridge's ports), the bookings refused for ports, per-day rows, and the "
        "projection: the ports the all-communes briefing will need at the rollout pace of the coverage "
        "report (`buy_ports` before `buy_before`). Default range: 28 days from today; at most 92.",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATETIME),
            OpenApiParameter("to", OpenApiTypes.DATETIME),
        ],
        responses={200: OpenApiTypes.OBJECT, 400: FIELD_ERRORS, 403: ERROR, 404: ERROR},
    )
    def get(self, request: Request, pk: int) -> Response:
        bridge = get_object_or_404(Bridge.objects.select_related("unit", "unit__parent"), pk=pk)
        start, end = capacity_range(request)
        as_of = timezone.localdate(clock.now())
        return Response(bridge_capacity(bridge, start=start, end=end, as_of=as_of))
