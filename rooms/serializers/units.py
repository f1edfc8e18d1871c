"""The HTTP shape of administrative units."""

from rest_framework import serializers

from rooms.models import Unit
from vconf.fields import ModelSerializer


class UnitSerializer(ModelSerializer):
    # Both null for a province, the top of either tree.
    # Named like Field.parent, which it does not replace: DRF moves declared fields off the class.
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)  # type: ignore[assignment]
    parent_name = serializers.CharField(source="parent.name", read_only=True, default=None, allow_null=True)
    # For a current-tree commune: the legacy units it absorbed on 1 July 2025; for a legacy unit:
    # the current communes that took it over.
    absorbed = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    absorbed_into = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Unit
        fields = [
            "code",
            "name",
            "level",
            "parent",
            "parent_name",
            "lat",
            "lon",
            "structure",
            "especially_difficult",
            "absorbed",
            "absorbed_into",
        ]
        read_only_fields = fields
