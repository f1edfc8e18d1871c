"""GET /api/reports/readiness/: how rooms stood before their meetings (docs/readiness.md)."""

import datetime as dt

import pandas as pd
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.views import APIView

from analytics.exports import Report, period_stem, render, report_responses
from rooms.permissions import ReadsReports, endpoints_in_scope
from rooms.selectors.readiness_report import FIGURES, grouped, room_rows
from vconf import clock
from vconf.auth import signed_in

LABELS = {
    "meeting": _("Mã cuộc họp"),
    "title": _("Tiêu đề"),
    "start": _("Bắt đầu"),
    "endpoint": _("Mã điểm cầu"),
    "name": _("Điểm cầu"),
    "rooms": _("Số điểm cầu"),
    "tested_on_time": _("Gọi thử đúng giờ"),
    "tested_late": _("Gọi thử muộn"),
    "test_failed": _("Gọi thử lỗi"),
    "not_tested": _("Không gọi thử"),
    "escalated": _("Đã báo bàn kỹ thuật"),
    "late": _("Báo danh trễ"),
}


class ReadinessQuery(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="First local day (default: 30 days before end)")
    end = serializers.DateField(required=False, help_text="Last local day, included (default: today)")
    meeting = serializers.IntegerField(required=False, min_value=1, help_text="Only this meeting")
    group_by = serializers.ChoiceField(choices=["meeting", "endpoint"], default="meeting")
    format = serializers.ChoiceField(choices=["json", "csv", "xlsx"], default="json")

    def validate(self, data: dict) -> dict:
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise serializers.ValidationError({"end": [_("Ngày kết thúc phải sau ngày bắt đầu.")]})
        return data


def _bounds(data: dict) -> tuple[dt.datetime, dt.datetime]:
    last = data.get("end") or timezone.localtime(clock.now()).date()
    first = data.get("start") or last - dt.timedelta(days=30)
    start = timezone.make_aware(dt.datetime.combine(first, dt.time()))
    return start, timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time()))


class ReadinessReportView(APIView):
    permission_classes = [ReadsReports]

    @extend_schema(
        summary="Readiness before meetings: test calls on time, failed, escalations, late check-ins",
        parameters=[ReadinessQuery],
        responses={
            **report_responses(OpenApiTypes.OBJECT, description='{"rows": [...], "totals": {...}}'),
            400: OpenApiResponse(description='Refused input, a message per field: {"field": ["message"]}'),
            403: OpenApiResponse(description="Leaders, office staff and administrators"),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        query = ReadinessQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        start, end = _bounds(data)
        rows = room_rows(
            start=start, end=end, endpoints=endpoints_in_scope(signed_in(request)), meeting=data.get("meeting")
        )
        groups, totals = grouped(rows, group_by=data["group_by"])
        for group in groups:
            if "start" in group:
                group["start"] = timezone.localtime(group["start"]).isoformat(timespec="seconds")
        columns = (["meeting", "title", "start"] if data["group_by"] == "meeting" else ["endpoint", "name"]) + FIGURES
        frame = pd.DataFrame(groups, columns=columns)
        report = Report(
            name=str(_("Sẵn sàng trước họp")),
            stem=f"san-sang-{data['group_by']}-"
            + (f"hop-{data['meeting']}" if data.get("meeting") else period_stem(start, end)),
            body={"rows": groups, "totals": totals},
            rows=frame,
            labels=LABELS,
        )
        return render(report, data["format"])
