"""Report API: savings, payback, usage and coverage, each as JSON, CSV or XLSX (`?format=`).

Each view reads its query with the report's serializer (analytics/serializers.py REPORTS) and
hands the typed arguments to the report's function; readers see their own scope.
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.request import Request
from rest_framework.views import APIView

from analytics.exports import render, report_responses
from analytics.serializers import REPORTS, PaybackReportSerializer, SavingsReportSerializer, build_report
from rooms.permissions import ReadsReports
from vconf.openapi import FIELD_ERRORS

FORBIDDEN = OpenApiResponse(description="Leaders, office staff and administrators only")


class ReportView(APIView):
    permission_classes = [ReadsReports]
    report = ""

    def get(self, request: Request) -> HttpResponse:
        query = REPORTS[self.report][0](data=request.query_params, context={"user": request.user})
        query.is_valid(raise_exception=True)
        return render(build_report(self.report, query.validated_data, request.user), query.validated_data["format"])


def documented(
    report: str, *, summary: str, body: Any, description: str = "", answer: str
) -> Callable[[type[ReportView]], type[ReportView]]:
    return extend_schema_view(
        get=extend_schema(
            summary=summary,
            description=description,
            parameters=[REPORTS[report][0]],
            responses={**report_responses(body, description=answer), 400: FIELD_ERRORS, 403: FORBIDDEN},
        )
    )


@documented(
    "savings",
    summary="Travel savings from actual attendance",
    body=SavingsReportSerializer,
    answer="The savings report",
)
class SavingsReportView(ReportView):
    report = "savings"


@documented(
    "payback",
    summary="Cumulative savings against cumulative investment, and the payback date",
    description="A province-wide figure: readers whose home unit is below the province, or in another "
    "province, are refused (403).",
    body=PaybackReportSerializer,
    answer="The payback report",
)
class PaybackReportView(ReportView):
    report = "payback"


@documented(
    "usage",
    summary="Usage of the network: meetings, hours, attendance, no-shows, late, ghost meetings",
    description=(
        "Held meetings only (not cancelled, already over) that started in [start, end). Per row: meetings, "
        "hours (= scheduled_hours), actual_hours, endpoint_hours, participations, attended, attendance_rate "
        "(0–1), no_shows, late, ghost_meetings (no endpoint but the host checked in). `district` is the "
        "endpoint's legacy district. A plain `end` date includes that day; default period: everything up to now."
    ),
    body=OpenApiTypes.OBJECT,
    answer='The usage report: {"rows", "totals", ...}',
)
class UsageReportView(ReportView):
    report = "usage"


@documented(
    "coverage",
    summary="Rollout coverage: communes with an endpoint, as of a date, on either tree",
    description=(
        "`communes` (N), `installed` (an endpoint in pilot or in service), `in_service`, `active` (an "
        "endpoint checked into a meeting within ACTIVE_WINDOW_DAYS up to as_of), their percentages, the "
        "target in force, `by_district` (legacy tree), `missing` communes, the monthly `trend`, and "
        "`projected_full_coverage`: the date 100% is reached at the pace of the last 12 months. "
        "`?format=csv|xlsx` gives one row per commune (XLSX adds summary, districts, trend, targets)."
    ),
    body=OpenApiTypes.OBJECT,
    answer="The coverage report (CSV, XLSX: one row per commune)",
)
class CoverageReportView(ReportView):
    report = "coverage"
