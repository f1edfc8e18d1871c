"""The HTTP shape of user accounts (API.md "The national network"): `role` is one of Role's
values, `home_unit` a unit code (with `home_unit_structure` when the code is on both trees),
`password` is write-only and checked by Django's password validators, never echoed."""

from django.contrib.auth.models import User
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from rooms.models import Endpoint, Role, Structure
from rooms.serializers.endpoints import UnitCodeField, find_unit
from rooms.services.users import role_of
from vconf.fields import StrictBooleanField, StrictCharField


class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = StrictCharField(max_length=150)
    full_name = StrictCharField(
        max_length=150,
        required=False,
        allow_blank=True,
        help_text=_("Họ và tên như viết, họ trước (“Nguyễn Thị Lan”)."),
    )
    # Text checked in validate_email rather than EmailField: the schema's "format: email" would
    # call the blank address of an account without one invalid.
    email = StrictCharField(max_length=254, required=False, allow_blank=True, help_text=_("E-mail; có thể trống."))
    phone = StrictCharField(max_length=30, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Role.choices)
    home_unit = UnitCodeField(required=False, allow_null=True, help_text=_("Mã đơn vị; null: cả nước."))
    # A plain string (checked in validate) so the schema keeps one Structure enum, the units' own.
    home_unit_structure = StrictCharField(
        required=False, allow_null=True, allow_blank=True, max_length=10, help_text=_("current hoặc legacy.")
    )
    is_active = StrictBooleanField(required=False)
    password = StrictCharField(
        write_only=True, required=False, allow_blank=True, max_length=128, style={"input_type": "password"}
    )
    endpoints = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Endpoint.objects.all(),
        required=False,
        help_text=_("Điểm cầu mà kỹ thuật viên vận hành (id)."),
    )

    def to_representation(self, user: User) -> dict:
        profile = getattr(user, "profile", None)
        unit = profile.home_unit if profile else None
        return {
            "id": user.pk,
            "username": user.username,
            "full_name": profile.full_name if profile else "",
            "email": user.email,
            "phone": profile.phone if profile else "",
            "role": role_of(user),
            "home_unit": unit.code if unit else None,
            "home_unit_structure": unit.structure if unit else None,
            "is_active": user.is_active,
            "endpoints": sorted(e.pk for e in user.operated_endpoints.all()),
        }

    def validate_email(self, value: str) -> str:
        if value:
            EmailValidator(message=_("Địa chỉ e-mail không hợp lệ."))(value)
        return value

    def to_internal_value(self, data: object) -> dict:
        # DRF's many-related field iterates a JSON object's keys as if it were a list of ids.
        if isinstance(data, dict) and "endpoints" in data and not isinstance(data["endpoints"], list):
            raise serializers.ValidationError({"endpoints": [_("Gửi danh sách id điểm cầu.")]})
        return super().to_internal_value(data)

    def validate(self, attrs: dict) -> dict:
        structure = attrs.pop("home_unit_structure", None) or None
        if structure and structure not in Structure.values:
            raise serializers.ValidationError(
                {"home_unit_structure": [_("Chọn một trong: %s.") % ", ".join(Structure.values)]}
            )
        if "home_unit" in attrs:
            code = attrs["home_unit"]
            unit = find_unit(code, structure) if code else None
            if code and unit is None:
                raise serializers.ValidationError({"home_unit": [_("Không có đơn vị mã “%s”.") % code]})
            attrs["home_unit"] = unit
        elif structure:
            raise serializers.ValidationError({"home_unit": [_("Gửi kèm mã đơn vị.")]})
        return attrs
