"""API shapes of cost models, investments and the savings/payback reports (the last for the schema)."""

from django.utils.translation import gettext as _
from rest_framework import serializers

from analytics.models import CostModel, Investment
from analytics.services import EDITABLE_FIELDS, cost_model_in_use
from rooms.models import Level, Unit
from vconf.fields import ModelSerializer


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


# The rest only documents the report endpoints in the OpenAPI schema.


class SavingsQuerySerializer(serializers.Serializer):
    start = serializers.CharField(required=False, help_text="ISO date or datetime; default: the first meeting.")
    end = serializers.CharField(
        required=False, help_text="ISO date (that whole day included) or datetime; default: now."
    )
    group_by = serializers.CharField(
        required=False, default="month", help_text="month, district, endpoint or meeting; several with commas."
    )
    district = serializers.CharField(required=False, help_text="District code (legacy tree).")
    province = serializers.CharField(required=False, help_text="Province code of the host.")
    format = serializers.ChoiceField(choices=["json", "csv", "xlsx"], required=False, default="json")


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


class PaybackQuerySerializer(serializers.Serializer):
    province = serializers.CharField(required=False, help_text="Province code; default: every province.")
    end = serializers.CharField(required=False, help_text="As of this date (ISO); default: today.")
    format = serializers.ChoiceField(choices=["json", "csv", "xlsx"], required=False, default="json")


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
