"""The HTTP shape of endpoint groups: {id, name, endpoints ([ids]), owner (username)}."""

from rest_framework import serializers

from rooms.models import EndpointGroup
from rooms.serializers.meetings import IdListField, endpoints_by_id


class EndpointGroupSerializer(serializers.ModelSerializer):
    endpoints = IdListField(max_length=2000, help_text="Endpoint ids of the group's rooms")
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = EndpointGroup
        fields = ["id", "name", "endpoints", "owner"]
        # Uniqueness is the service's rule (and the database's): one message, one place.
        validators: list = []

    def to_representation(self, group: EndpointGroup) -> dict:
        return {
            "id": group.pk,
            "name": group.name,
            "endpoints": sorted(e.pk for e in group.endpoints.all()),
            "owner": group.owner.username if group.owner else None,
        }

    def validate_endpoints(self, ids: list[int]) -> list:
        return endpoints_by_id(ids)
