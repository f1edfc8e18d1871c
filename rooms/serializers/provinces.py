"""The HTTP shape of province settings and coverage targets (API.md "The national network")."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from rooms.models import CoverageTarget, Endpoint, ProvinceSettings, Structure
from vconf.fields import BoundedDateField


class ProvinceSettingsSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="province_code", max_length=10, help_text=_("Mã tỉnh (GSO)."))
    name = serializers.CharField(
        max_length=120, required=False, allow_blank=True, help_text=_("Mặc định: tên của đơn vị tỉnh.")
    )
    host = serializers.PrimaryKeyRelatedField(queryset=Endpoint.objects.all(), allow_null=True, required=False)
    circuity_factor = serializers.DecimalField(max_digits=3, decimal_places=2, coerce_to_string=False, required=False)

    class Meta:
        model = ProvinceSettings
        fields = ["code", "name", "host", "circuity_factor"]
        # The service names a repeated code on its field (400), not DRF's generic unique message.
        validators: list = []

    def to_internal_value(self, data: object) -> dict:
        attrs = super().to_internal_value(data)
        if "province_code" in attrs:
            attrs["code"] = attrs.pop("province_code").strip()
        return attrs


class CoverageTargetSerializer(serializers.ModelSerializer):
    province = serializers.CharField(
        source="province_code", max_length=10, help_text=_("Mã tỉnh, hoặc `all` cho cả nước.")
    )
    structure = serializers.ChoiceField(choices=Structure.choices, required=False)
    measure = serializers.ChoiceField(choices=CoverageTarget.Measure.choices, required=False)
    percent = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=False, required=False)
    due = BoundedDateField()
    # Named like Field.label, which it does not replace: DRF moves declared fields off the class.
    label = serializers.CharField(max_length=200, required=False, allow_blank=True)  # type: ignore[assignment]

    class Meta:
        model = CoverageTarget
        fields = ["id", "province", "structure", "measure", "percent", "due", "label"]
        read_only_fields = ["id"]
        validators: list = []

    def to_internal_value(self, data: object) -> dict:
        attrs = super().to_internal_value(data)
        if "province_code" in attrs:
            attrs["province"] = attrs.pop("province_code").strip()
        return attrs
