"""Usage report API: meetings, hours, attendance, no-shows, late arrivals and ghost meetings."""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from analytics import usage
from analytics.exports import FORMATS, render, report_responses, requested_format
from rooms.models import Role
from rooms.permissions import has_role


class ReadsUsage(BasePermission):
    """Leaders, office staff and administrators (a scoped user sees the endpoints of their scope)."""

    message = _("Chỉ lãnh đạo, văn phòng và quản trị được xem báo cáo.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.user.is_authenticated and has_role(request.user, Role.LEADER, Role.STAFF)


class UsageReportView(APIView):
    permission_classes = [ReadsUsage]

    @extend_schema(
        summary="Usage of the network: meetings, hours, attendance, no-shows, late, ghost meetings",
        description=(
            "Held meetings only (not cancelled, already over) that started in [start, end). Per row: meetings, "
            "hours (= scheduled_hours), actual_hours, endpoint_hours, participations, attended, attendance_rate "
            "(0–1), no_shows, late, ghost_meetings (no endpoint but the host checked in). `district` is the "
            "endpoint's legacy district. A plain `end` date includes that day; default period: everything up to now."
        ),
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATETIME, description="ISO date or datetime (+07:00 if no offset)"),
            OpenApiParameter("end", OpenApiTypes.DATETIME, description="ISO date (inclusive) or datetime (exclusive)"),
            OpenApiParameter("group_by", OpenApiTypes.STR, enum=usage.GROUPS, description="Default: month"),
            OpenApiParameter("format", OpenApiTypes.STR, enum=FORMATS),
        ],
        responses={
            **report_responses(OpenApiTypes.OBJECT, description='The usage report: {"rows", "totals", ...}'),
            400: OpenApiResponse(description='{"param": ["message"]}'),
            403: OpenApiResponse(description="Not a leader, office staff or administrator"),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        fmt = requested_format(request.GET)
        return render(usage.build_report(request.GET, request.user), fmt)
