"""The HTTP shape of endpoints and bridges (API.md "Endpoints and bridges").

`unit` is a unit code. Codes are unique on each tree but a current commune often keeps the code
of one of the legacy communes it absorbed, so a code alone may name two units: `unit_structure`
says which tree; without it the current tree is tried first, then the legacy tree.
"""

from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rooms.cdr.addresses import MAX_ALIAS_LENGTH, MAX_ALIASES
from rooms.ical import feed_url
from rooms.models import Bridge, Connection, Endpoint, EndpointStatus, StatusChange, Structure, TravelMode, Unit
from rooms.permissions import is_administrator
from rooms.selectors.endpoints import Distance, distance_of
from vconf.fields import BoundedDateField, ModelSerializer
from vconf.limits import MAX_PEOPLE, MAX_ROAD_KM

# The services' messages, translated when shown (DRF keeps field messages from import time on).
SEATS_RANGE = lazy(lambda: _("Số chỗ ngồi phải từ 1 đến %s.") % MAX_PEOPLE, str)()
ROAD_KM_RANGE = lazy(lambda: _("Quãng đường phải từ 0 đến %s km.") % MAX_ROAD_KM, str)()
PORTS_RANGE = lazy(lambda: _("Số cổng phải từ 1 đến %s.") % MAX_PEOPLE, str)()

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def find_unit(code: str, structure: str | None = None) -> Unit | None:
    units = Unit.objects.filter(code=code)
    if structure:
        return units.filter(structure=structure).first()
    return units.filter(structure=Structure.CURRENT).first() or units.filter(structure=Structure.LEGACY).first()


@extend_schema_field(OpenApiTypes.STR)
class UnitCodeField(serializers.Field):
    default_error_messages = {"invalid": _("Mã đơn vị không hợp lệ.")}

    def to_representation(self, value: Unit) -> str:
        return value.code

    def to_internal_value(self, data: object) -> str:
        if not isinstance(data, str | int) or not 1 <= len(str(data).strip()) <= 10:
            self.fail("invalid")
        return str(data).strip()


class StatusChangeSerializer(ModelSerializer):
    # Null for changes a command or an import recorded, and once the account is deleted.
    changed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = StatusChange
        fields = ["status", "effective", "changed_by", "recorded_at", "note"]
        read_only_fields = fields


class EndpointSerializer(ModelSerializer):
    unit = UnitCodeField(help_text=_("Mã đơn vị (GSO)."))
    # A plain string (checked in validate) so the schema keeps one Structure enum, the units' own.
    unit_structure = serializers.CharField(
        write_only=True, required=False, max_length=10, help_text=_("Cây của mã đơn vị: current hoặc legacy.")
    )
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    unit_level = serializers.CharField(source="unit.level", read_only=True)
    structure = serializers.CharField(source="unit.structure", read_only=True)
    legacy_unit = UnitCodeField(
        required=False, allow_null=True, help_text=_("Mã đơn vị trên cây cũ mà điểm cầu phục vụ trước 7/2025.")
    )
    # Every legacy commune a current room serves (natadmin); legacy_unit is the first of them.
    legacy_units = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        required=False,
        queryset=Unit.objects.filter(structure=Structure.LEGACY),
        help_text=_("Mã các đơn vị trên cây cũ mà điểm cầu phục vụ; mặc định: các xã cũ sáp nhập vào đơn vị."),
    )
    status = serializers.ChoiceField(choices=EndpointStatus.choices, required=False)
    status_since = BoundedDateField(required=False, help_text=_("Ngày hiệu lực của trạng thái."))
    effective = BoundedDateField(write_only=True, required=False, help_text=_("Như status_since (khi đổi trạng thái)."))
    status_note = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=200)
    seats = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PEOPLE,
        error_messages={"min_value": SEATS_RANGE, "max_value": SEATS_RANGE},
    )
    road_km = serializers.DecimalField(
        max_digits=7,
        decimal_places=1,
        min_value=0,
        max_value=MAX_ROAD_KM,
        coerce_to_string=False,
        allow_null=True,
        required=False,
        error_messages={"min_value": ROAD_KM_RANGE, "max_value": ROAD_KM_RANGE},
    )
    connection = serializers.ChoiceField(choices=Connection.choices, required=False)
    # An island's trip (trips): by boat or air at a one-way fare per person, never a road estimate.
    travel_mode = serializers.ChoiceField(choices=TravelMode.choices, required=False)
    fare_vnd = serializers.DecimalField(
        max_digits=12, decimal_places=0, min_value=0, coerce_to_string=False, allow_null=True, required=False
    )
    bridge = serializers.PrimaryKeyRelatedField(queryset=Bridge.objects.all(), allow_null=True, required=False)
    operators = serializers.SlugRelatedField(
        slug_field="username", many=True, queryset=User.objects.all(), required=False
    )
    distance_km = serializers.SerializerMethodField()
    distance_estimated = serializers.SerializerMethodField()
    distance_basis = serializers.SerializerMethodField()
    calendar_url = serializers.SerializerMethodField()
    # Other dial strings the bridges report for the room (rooms/cdr/addresses.py).
    aliases = serializers.ListField(
        child=serializers.CharField(max_length=MAX_ALIAS_LENGTH, trim_whitespace=True),
        max_length=MAX_ALIASES,
        required=False,
        help_text=_("Các chuỗi quay số khác của phòng: SIP URI, H.323 ID, E.164, IP."),
    )
    status_history = StatusChangeSerializer(source="status_changes", many=True, read_only=True)

    class Meta:
        model = Endpoint
        fields = [
            "id",
            "name",
            "unit",
            "unit_structure",
            "unit_name",
            "unit_level",
            "structure",
            "legacy_unit",
            "legacy_units",
            "status",
            "status_since",
            "effective",
            "status_note",
            "seats",
            "dial_address",
            "aliases",
            "connection",
            "bridge",
            "road_km",
            "travel_mode",
            "fare_vnd",
            "distance_km",
            "distance_estimated",
            "distance_basis",
            "operators",
            "calendar_url",
            "status_history",
        ]
        read_only_fields = ["id"]
        # Name uniqueness within a unit is the service's rule (check_endpoint), with a field message.
        validators = []

    def _distance(self, endpoint: Endpoint) -> Distance:
        distances = self.context.get("distances")
        if distances is not None and endpoint.pk in distances:
            return distances[endpoint.pk]
        return distance_of(endpoint)

    # Null when it cannot be known: no coordinates for the unit, nor for its host or province.
    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_distance_km(self, endpoint: Endpoint) -> float | None:
        return self._distance(endpoint)[0]

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_distance_estimated(self, endpoint: Endpoint) -> bool:
        return self._distance(endpoint)[1]

    @extend_schema_field(
        serializers.ChoiceField(
            choices=["road", "host", "province"],
            allow_null=True,
            help_text="What distance_km comes from: the road distance entered, the province's host endpoint, or "
            "(no host configured) the province's own location, its People's Committee; null when unknown.",
        )
    )
    def get_distance_basis(self, endpoint: Endpoint) -> str | None:
        return self._distance(endpoint).basis

    @extend_schema_field(
        serializers.URLField(
            allow_null=True,
            help_text="The subscribable feed, shown to the endpoint's operators and to administrators only "
            "(null for anyone else).",
        )
    )
    def get_calendar_url(self, endpoint: Endpoint) -> str | None:
        """The subscribable feed, shown to the endpoint's operators and to administrators only
        (null for anyone else)."""
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if not is_administrator(user) and all(op.pk != user.pk for op in endpoint.operators.all()):
            return None
        return feed_url(endpoint, request)

    def validate(self, attrs: dict) -> dict:
        errors: dict[str, list[StrOrPromise]] = {}
        structure = attrs.pop("unit_structure", None) or None
        if structure and structure not in Structure.values:
            errors["unit_structure"] = [_("Chọn một trong: %s.") % ", ".join(Structure.values)]
            structure = None
        if "unit" in attrs:
            unit = find_unit(attrs["unit"], structure)
            if unit is None:
                errors["unit"] = [_("Không có đơn vị mã “%s”.") % attrs["unit"]]
            attrs["unit"] = unit
        elif structure:
            errors["unit"] = [_("Gửi kèm mã đơn vị.")]
        if attrs.get("legacy_unit") is not None:
            legacy = find_unit(attrs["legacy_unit"], Structure.LEGACY)
            if legacy is None:
                errors["legacy_unit"] = [_("Không có đơn vị mã “%s” trên cây cũ.") % attrs["legacy_unit"]]
            attrs["legacy_unit"] = legacy
        effective = attrs.pop("effective", None)
        if effective and attrs.get("status_since") and effective != attrs["status_since"]:
            errors["effective"] = [_("Khác với status_since: chỉ gửi một trong hai.")]
        if effective:
            attrs["status_since"] = effective
        if "status_note" in attrs:
            attrs["note"] = attrs.pop("status_note")
        errors |= self.trip_errors(attrs)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def trip_errors(self, attrs: dict) -> "dict[str, list[StrOrPromise]]":
        """A fare goes with a boat or an air trip and only with one (the database says so too)."""
        mode = attrs.get("travel_mode", getattr(self.instance, "travel_mode", TravelMode.ROAD))
        fare = attrs.get("fare_vnd", getattr(self.instance, "fare_vnd", None))
        if mode == TravelMode.ROAD and fare is not None:
            if "fare_vnd" in attrs:
                return {"fare_vnd": [_("Đi đường bộ thì không có giá vé.")]}
            attrs["fare_vnd"] = None  # back to the road: the old fare no longer applies
        if mode != TravelMode.ROAD and fare is None:
            return {"fare_vnd": [_("Nhập giá vé một chiều khi đi tàu hoặc máy bay.")]}
        return {}


class BridgeSerializer(ModelSerializer):
    ports = serializers.IntegerField(min_value=1, max_value=MAX_PEOPLE, error_messages={"min_value": PORTS_RANGE})
    endpoints = serializers.SerializerMethodField(help_text=_("Số điểm cầu dùng cầu này."))
    # DRF's metaclass pops declared fields off the class, so this does not shadow Field.parent.
    parent = serializers.PrimaryKeyRelatedField(  # type: ignore[assignment]
        queryset=Bridge.objects.all(), allow_null=True, required=False, help_text=_("Cầu MCU cấp trên (nối tầng).")
    )
    unit = UnitCodeField(required=False, allow_null=True, help_text=_("Mã đơn vị sở hữu MCU (VN, mã tỉnh)."))

    class Meta:
        model = Bridge
        fields = ["id", "name", "ports", "dial_address", "parent", "unit", "endpoints"]
        read_only_fields = ["id"]
        validators = []
        extra_kwargs = {"name": {"validators": []}}

    def get_endpoints(self, bridge: Bridge) -> int:
        # The list annotates the count; a single bridge counts with one query.
        count = getattr(bridge, "endpoint_count", None)
        return bridge.endpoints.count() if count is None else count

    def validate_unit(self, code: str | None) -> Unit | None:
        if code is None:
            return None
        unit = find_unit(code)
        if unit is None:
            raise serializers.ValidationError(_("Không có đơn vị mã “%s”.") % code)
        return unit
