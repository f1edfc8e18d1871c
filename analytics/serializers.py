"""API shapes of cost models, investments and the reports: the queries they parse, and (for the
schema) the answers they give."""

from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from analytics import coverage, payback, savings, usage
from analytics.exports import FORMATS, Report
from analytics.models import CostModel, Investment
from analytics.scope import default_province
from analytics.services import EDITABLE_FIELDS, cost_model_in_use
from rooms.models import Level, Structure, Unit
from rooms.permissions import User
from vconf import clock
from vconf.fields import ModelSerializer, QueryChoiceField, QueryDateField, QueryDateTimeField, QuerySerializer
from vconf.limits import MAX_PEOPLE


def check_province(code: str) -> str:
    if code and not Unit.objects.filter(code=code, level=Level.PROVINCE).exists():
        raise serializers.ValidationError(_("Không có tỉnh mã %s.") % code)
    return code


class CostModelSerializer(ModelSerializer):
    in_use = serializers.SerializerMethodField(help_text="True once it valued a held meeting: then it is frozen.")
    # Null for the models the seed migration wrote, and once the author's account is deleted.
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = CostModel
        fields = ["id", *EDITABLE_FIELDS, "in_use", "created_by", "created_at"]
        read_only_fields = ["id", "in_use", "created_by", "created_at"]
        # The service checks "one model per province and day" together with the history rule.
        validators: list = []
        extra_kwargs = {
            "transport_vnd_per_km": {"min_value": 0},
            "per_diem_vnd": {"min_value": 0},
            "lodging_vnd_per_night": {"min_value": 0},
            "transport_threshold_km": {"min_value": 0},
            "difficult_transport_threshold_km": {"min_value": 0},
            "default_delegates_per_site": {"min_value": 1, "max_value": MAX_PEOPLE},
            "per_diem_threshold_km": {"min_value": 0},
            "difficult_per_diem_threshold_km": {"min_value": 0},
            "lodging_threshold_km": {"min_value": 0},
            "average_speed_kmh": {"min_value": 1},
            "vehicle_occupancy": {"min_value": 1, "max_value": 60},
            "co2_kg_per_vehicle_km": {"min_value": 0},
            "min_meeting_minutes": {"max_value": 24 * 60},
        }

    def get_in_use(self, model: CostModel) -> bool:
        return cost_model_in_use(model)

    def validate_province_code(self, code: str) -> str:
        return check_province(code)


class InvestmentSerializer(ModelSerializer):
    class Meta:
        model = Investment
        fields = ["id", "province_code", "date", "amount_vnd", "description"]
        read_only_fields = ["id"]
        extra_kwargs = {"amount_vnd": {"min_value": 1}}

    def validate_province_code(self, code: str) -> str:
        if not code:
            raise serializers.ValidationError(_("Bắt buộc."))
        return check_province(code)


# --- the report queries: parsed into the typed arguments of the report functions ----------------


class ReportQuerySerializer(QuerySerializer):
    format = QueryChoiceField(FORMATS, required=False, default="json")


class UnitCodeField(serializers.CharField):
    """The code of a unit of one level that exists (its text is the parameter's value)."""

    def __init__(self, *, level: str, **kwargs: Any) -> None:
        self.level = level
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        code = super().to_internal_value(data).strip()
        if len(code) > 10 or not Unit.objects.filter(code=code, level=self.level).exists():
            raise serializers.ValidationError(_("Không có đơn vị mã %s.") % code[:10])
        return code


class PeriodQuerySerializer(ReportQuerySerializer):
    """[start, end): without start from the first meeting, without end up to now."""

    start = QueryDateTimeField(required=False, help_text="ISO date or datetime; default: the first meeting.")
    end = QueryDateTimeField(
        required=False, day_end=True, help_text="ISO date (that whole day included) or datetime; default: now."
    )

    def validate(self, data: dict) -> dict:
        start, end = data.get("start"), data.get("end") or clock.now()
        if start is not None and start >= end:
            raise serializers.ValidationError({"end": [_("Ngày kết thúc phải sau ngày bắt đầu.")]})
        return {**data, "start": start, "end": end}


@extend_schema_field(OpenApiTypes.STR)
class GroupByField(serializers.Field):
    """One or several group keys with commas, each once."""

    def __init__(self, *, groups: list[str], **kwargs: Any) -> None:
        self.groups = groups
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> list[str]:
        keys = [key.strip() for key in str(data).split(",") if key.strip()]
        if not keys or any(key not in self.groups for key in keys) or len(set(keys)) != len(keys):
            raise serializers.ValidationError(_("Chọn một hoặc nhiều trong: %s") % ", ".join(self.groups))
        return keys


class SavingsQuerySerializer(PeriodQuerySerializer):
    group_by = GroupByField(
        groups=savings.GROUPS,
        required=False,
        default=lambda: ["month"],
        help_text="month, province, district, endpoint or meeting; several with commas (province,month).",
    )
    district = UnitCodeField(
        level=Level.DISTRICT, required=False, default=None, help_text="District code (legacy tree)."
    )
    province = UnitCodeField(
        level=Level.PROVINCE,
        required=False,
        default=None,
        help_text="Province code: only the participations of endpoints in that province (not by the host's).",
    )


class UsageQuerySerializer(PeriodQuerySerializer):
    group_by = GroupByField(
        groups=usage.GROUPS,
        required=False,
        default=lambda: ["month"],
        help_text="month, province, district or endpoint; several with commas (province,month).",
    )
    province = UnitCodeField(
        level=Level.PROVINCE,
        required=False,
        default=None,
        help_text="Province code: only the participations of endpoints in that province.",
    )


class CoverageQuerySerializer(ReportQuerySerializer):
    as_of = QueryDateField(required=False, help_text="Default: today.")
    # What `manage.py report --end` passes; as_of wins when both are given.
    end = QueryDateField(required=False, write_only=True)
    structure = QueryChoiceField(Structure.values, required=False, default=Structure.CURRENT)
    province = serializers.CharField(
        required=False,
        help_text="Province code, or `all` (the whole country, with `by_province`). Default: the reader's "
        "province; for a reader without a home unit, the whole country (the one province of a one-province "
        "deployment).",
    )

    def validate(self, data: dict) -> dict:
        today = timezone.localdate(clock.now())
        as_of = data.get("as_of") or data.get("end") or today
        if as_of > today:
            raise serializers.ValidationError({"as_of": [_("Ngày không được ở tương lai.")]})
        user = self.context.get("user")
        # No province asked for and none of the reader's own: the whole country (refused, like the
        # old default, when no unit is loaded at all).
        province = data.get("province", "").strip()[:10] or default_province(user) or coverage.default_province()
        return {"format": data["format"], "as_of": as_of, "structure": data["structure"], "province": province}


class PaybackQuerySerializer(ReportQuerySerializer):
    province = UnitCodeField(level=Level.PROVINCE, required=False, help_text="Province code; default: every province.")
    end = QueryDateField(required=False, help_text="As of this date (ISO); default: today.")
    as_of = QueryDateField(required=False, write_only=True)

    def validate(self, data: dict) -> dict:
        end = data.get("end") or data.get("as_of") or timezone.localdate(clock.now())
        return {"format": data["format"], "province": data.get("province"), "end": end}


# The reports `manage.py report NAME` and the API know, by name: how to read the query, and the
# function that builds the report from it.
REPORTS: dict[str, tuple[type[ReportQuerySerializer], Callable[..., Report]]] = {
    "coverage": (CoverageQuerySerializer, coverage.build_report),
    "usage": (UsageQuerySerializer, usage.build_report),
    "savings": (SavingsQuerySerializer, savings.build_report),
    "payback": (PaybackQuerySerializer, payback.build_report),
}


def build_report(name: str, query: dict, user: User | None) -> Report:
    """The named report from a valid query; `user=None` (the command line): the whole database."""
    arguments = {key: value for key, value in query.items() if key != "format"}
    return REPORTS[name][1](**arguments, user=user)


# --- the report answers, for the schema only ----------------------------------------------------


class SavingsTotalsSerializer(serializers.Serializer):
    meetings = serializers.IntegerField()
    participations = serializers.IntegerField()
    trips_avoided = serializers.IntegerField(help_text="Participations away from the host's site (distance > 0).")
    attendees = serializers.IntegerField()
    person_km = serializers.FloatField()
    person_hours = serializers.FloatField()
    money_vnd = serializers.IntegerField()
    co2_kg = serializers.FloatField()
    participations_with_estimated_distance = serializers.IntegerField()
    participations_without_distance = serializers.IntegerField()


class SavingsReportSerializer(serializers.Serializer):
    start = serializers.DateTimeField(allow_null=True)
    end = serializers.DateTimeField()
    group_by = serializers.CharField()
    rows = serializers.ListField(
        child=serializers.DictField(),
        help_text='The group key under its name ("month": "2025-03", "district": "178", "endpoint": 5, '
        '"meeting": 17) with labels, then meetings, participations, attendees, person_km, person_hours, '
        "money_vnd, co2_kg.",
    )
    totals = SavingsTotalsSerializer()
    cost_models = serializers.ListField(child=serializers.DictField(), help_text="The cost models used, with rates.")


class PaybackReportSerializer(serializers.Serializer):
    province = serializers.CharField(allow_null=True)
    end = serializers.DateField()
    rows = serializers.ListField(
        child=serializers.DictField(),
        help_text="month, savings_vnd, investment_vnd, cumulative_savings_vnd, cumulative_investment_vnd, balance_vnd",
    )
    totals = serializers.DictField()
    payback_date = serializers.DateField(allow_null=True)
    payback_percent = serializers.FloatField(allow_null=True)
    projected_payback_date = serializers.DateField(allow_null=True)
    investments = serializers.ListField(child=serializers.DictField())
    cost_models = serializers.ListField(child=serializers.DictField())


class MeetingSavingsSerializer(serializers.Serializer):
    meeting = serializers.IntegerField()
    title = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    state = serializers.CharField()
    minutes = serializers.IntegerField()
    counted = serializers.BooleanField()
    reason = serializers.CharField(allow_null=True)
    cost_model = serializers.DictField(allow_null=True)
    endpoints = serializers.ListField(
        child=serializers.DictField(),
        help_text="Per booked endpoint: endpoint, name, unit, is_host, attended, attendees, distance_km, "
        "distance_estimated, especially_difficult, per_diem_threshold_km, per_diem_applies, lodging_applies, "
        "person_km, person_hours, money_vnd, vehicles, co2_kg.",
    )
    totals = SavingsTotalsSerializer()


class HistoryImportResultSerializer(serializers.Serializer):
    meetings = serializers.IntegerField()
    participations = serializers.IntegerField()
    checkins = serializers.IntegerField()
    skipped_meetings = serializers.IntegerField()
