"""The HTTP shape of attendance: a check-in record in and out, and the per-meeting board.

The board serializer renders the same payload for the API, the live board page and the
WebSocket snapshot, so all three show the same fields in the same format (+07:00 times).
"""

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from rooms.models import CheckIn, CheckInKind, IssueType, Meeting, TestResult
from rooms.selectors.attendance import AttendanceState, EndpointAttendance, MeetingAttendance
from rooms.services.attendance import record_checkin
from vconf.fields import ModelSerializer
from vconf.limits import MAX_PEOPLE


class CheckInSerializer(ModelSerializer):
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    kind = serializers.ChoiceField(choices=CheckInKind.choices)
    # The room's own limit (twice its seats) is the service's; this only keeps the number storable.
    attendees = serializers.IntegerField(
        min_value=0,
        max_value=MAX_PEOPLE,
        required=False,
        allow_null=True,
        error_messages={
            "invalid": _("Số người có mặt phải là một số nguyên."),
            "max_string_length": _("Số người có mặt phải là một số nguyên."),
            "min_value": _("Số người có mặt không được âm."),
            "max_value": _("Số người có mặt không được quá {max_value}."),
        },
    )
    resolved_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    issue_type = serializers.ChoiceField(choices=IssueType.choices, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    # Test calls (kind "test", from 60 minutes before the start): ok or failed.
    result = serializers.ChoiceField(choices=TestResult.choices, required=False, allow_null=True, allow_blank=True)

    class Meta:
        model = CheckIn
        fields = [
            "id",
            "meeting",
            "endpoint",
            "kind",
            "attendees",
            "issue_type",
            "note",
            "result",
            "client_id",
            "recorded_by",
            "at",
            "resolved_at",
            "resolved_by",
        ]
        read_only_fields = ["id", "meeting", "recorded_by", "at", "resolved_at", "resolved_by"]
        # A replayed client_id is not an error: the service answers it with the first record.
        extra_kwargs = {"client_id": {"validators": []}}

    def record(self, *, user: User, meeting: Meeting) -> tuple[CheckIn, bool]:
        """Hands the validated check-in to the service (the API and the operator's page alike)."""
        data = self.validated_data
        return record_checkin(
            user=user,
            meeting=meeting,
            endpoint=data["endpoint"],
            kind=data["kind"],
            client_id=data["client_id"],
            attendees=data.get("attendees"),
            issue_type=data.get("issue_type", ""),
            note=data.get("note", ""),
            result=data.get("result") or "",
        )


class IssueSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    issue_type = serializers.CharField()
    note = serializers.CharField()


class EndpointAttendanceSerializer(serializers.Serializer):
    endpoint = serializers.IntegerField()
    name = serializers.CharField()
    unit = serializers.CharField(help_text="Unit code")
    province = serializers.CharField(help_text="Code of its province (VN for a central room)")
    is_host = serializers.BooleanField()
    state = serializers.ChoiceField(choices=AttendanceState.ALL, source="derived.state")
    attendees = serializers.IntegerField(source="derived.attendees", allow_null=True)
    checked_in_at = serializers.DateTimeField(source="derived.checked_in_at", allow_null=True)
    checked_out_at = serializers.DateTimeField(source="derived.checked_out_at", allow_null=True)
    late = serializers.BooleanField(source="derived.late")
    minutes_connected = serializers.IntegerField(source="derived.minutes_connected")
    issues = IssueSerializer(source="derived.issues", many=True)
    not_ready = serializers.BooleanField(
        source="derived.not_ready", help_text="Still not checked in 15 minutes before the start"
    )
    verification = serializers.ChoiceField(
        choices=["confirmed", "bridge_only", "operator_only", "unverified"],
        help_text="What the bridge's call records say (unverified: the bridge sends none)",
    )
    bridge_minutes = serializers.IntegerField(allow_null=True, help_text="Minutes connected as the bridge reports")
    readiness = serializers.ChoiceField(
        choices=["tested", "test_failed", "not_tested"], help_text="The latest test call (from 60 minutes before)"
    )
    escalated = serializers.BooleanField(help_text="Reported to the technical desk 30 minutes before, not ready")

    def to_representation(self, instance: EndpointAttendance) -> dict:
        # Hand-written: a 300-endpoint board is rendered for every change, DRF's generic path is slow.
        d = instance.derived
        zone = timezone.get_current_timezone()

        def time(value: datetime) -> str:
            return value.astimezone(zone).isoformat(timespec="seconds")

        return {
            "endpoint": instance.endpoint,
            "name": instance.name,
            "unit": instance.unit,
            "province": instance.province,
            "is_host": instance.is_host,
            "state": d.state,
            "attendees": d.attendees,
            "checked_in_at": time(d.checked_in_at) if d.checked_in_at else None,
            "checked_out_at": time(d.checked_out_at) if d.checked_out_at else None,
            "late": d.late,
            "minutes_connected": d.minutes_connected,
            "issues": [{"at": time(i.at), "issue_type": i.issue_type, "note": i.note} for i in d.issues],
            "not_ready": d.not_ready,
            "verification": instance.verification,
            "bridge_minutes": instance.bridge_minutes,
            "readiness": instance.readiness,
            "escalated": instance.escalated,
        }


class TotalsSerializer(serializers.Serializer):
    endpoints = serializers.IntegerField()
    attended = serializers.IntegerField(help_text="Endpoints with at least one check-in")
    invited = serializers.IntegerField()
    ready = serializers.IntegerField()
    connected = serializers.IntegerField()
    left = serializers.IntegerField()
    no_show = serializers.IntegerField()
    late = serializers.IntegerField()
    not_ready = serializers.IntegerField()
    attendees = serializers.IntegerField(help_text="Sum of the head counts")
    attendance_rate = serializers.FloatField(help_text="attended / endpoints, from 0 to 1")


class ProvinceTotalsSerializer(TotalsSerializer):
    province = serializers.CharField(help_text="Province code (VN: the central rooms)")
    name = serializers.CharField()


class MeetingAttendanceSerializer(serializers.Serializer):
    type = serializers.SerializerMethodField()
    meeting = serializers.IntegerField(source="meeting.pk")
    title = serializers.CharField(source="meeting.title")
    status = serializers.CharField(help_text="scheduled|in_progress|held|cancelled, at generated_at")
    start = serializers.DateTimeField(source="meeting.start")
    end = serializers.DateTimeField(source="meeting.end")
    checkin_opens = serializers.DateTimeField()
    checkin_closes = serializers.DateTimeField()
    grace_minutes = serializers.SerializerMethodField()
    generated_at = serializers.DateTimeField(source="now")
    endpoints = EndpointAttendanceSerializer(many=True)
    totals = TotalsSerializer()
    provinces = ProvinceTotalsSerializer(many=True, help_text="The same totals, one line per province")

    def get_type(self, board: MeetingAttendance) -> str:
        return "attendance"

    def get_grace_minutes(self, board: MeetingAttendance) -> int:
        return settings.VCONF["CHECKIN_GRACE_MINUTES"]
