"""The HTTP shape of meetings: what a booking request carries in, and what a meeting looks like.

Ids in requests are resolved in bulk (one query for 250 endpoints, not 250), and unknown ids are
a 400 naming the field and the ids.
"""

from collections import Counter
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rooms.cascade import held_ports
from rooms.models import Bridge, Endpoint, Meeting, Structure
from rooms.selectors.bridges import ports_of_meeting
from rooms.selectors.groups import endpoints_of_groups
from rooms.selectors.meetings import resolve_unit_codes
from rooms.validators import MAX_DESCRIPTION, validate_description, validate_title
from vconf import clock
from vconf.fields import BoundedDateTimeField, ModelSerializer
from vconf.limits import MAX_PEOPLE

SCOPES = ["this", "following"]


class BridgePortsSerializer(serializers.Serializer):
    bridge = serializers.IntegerField()
    ports = serializers.IntegerField()


class MeetingSerializer(ModelSerializer):
    """A meeting as the API contract shows it. `endpoints` are the participating endpoints
    other than the host; `status` is derived from the clock (scheduled, in_progress, held,
    cancelled); `organizer` is a username."""

    endpoints = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    bridges = serializers.SerializerMethodField(help_text='Ports held per bridge of the cascade: [{"bridge", "ports"}]')
    organizer = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "uid",
            "title",
            "description",
            "start",
            "end",
            "host",
            "endpoints",
            "bridge",
            "bridges",
            "status",
            "sequence",
            "organizer",
            "series",
            "recurrence_id",
            "cancelled_at",
            "invitations_unsent",
            "delegates_per_site",
        ]
        read_only_fields = fields

    def get_endpoints(self, meeting: Meeting) -> list[int]:
        if (booked := getattr(meeting, "booked_endpoint_ids", None)) is not None:
            return booked  # just booked: the participants the booking checked (booking_rules.create_meeting)
        if "participations" in getattr(meeting, "_prefetched_objects_cache", {}):
            return sorted(p.endpoint_id for p in meeting.participations.all() if not p.is_host)
        # One meeting on its own (just booked): ids straight from the database, no model rows.
        return sorted(meeting.participations.filter(is_host=False).values_list("endpoint_id", flat=True))

    @extend_schema_field(BridgePortsSerializer(many=True))
    def get_bridges(self, meeting: Meeting) -> list[dict[str, int]]:
        if (booked := getattr(meeting, "booked_ports", None)) is not None:
            return [{"bridge": pk, "ports": n} for pk, n in sorted(booked.items())]
        # The parent map is read once per response, however many meetings it lists.
        parents = self.context.setdefault("_bridge_parents", None)
        if parents is None:
            parents = self.context["_bridge_parents"] = dict(Bridge.objects.values_list("pk", "parent_id"))
        rows = getattr(meeting, "_prefetched_objects_cache", {}).get("participations")
        if rows is not None and all(hasattr(p, "endpoint_bridge_id") for p in rows):
            ports = held_ports(
                Counter(p.endpoint_bridge_id for p in rows if p.active), top=meeting.bridge_id, parents=parents
            )
        else:
            ports = ports_of_meeting(meeting, parents=parents)
        return [{"bridge": pk, "ports": n} for pk, n in sorted(ports.items())]

    def get_status(self, meeting: Meeting) -> str:
        return meeting.state_at(self.context.get("now") or clock.now())


class IdListField(serializers.ListField):
    child = serializers.IntegerField(min_value=1)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 5000)
        super().__init__(**kwargs)

    def to_internal_value(self, data: list[Any] | str) -> list[int]:
        if isinstance(data, str):  # "1,2,3" from a form or a query string
            data = [part for part in data.split(",") if part.strip()]
        return list(dict.fromkeys(super().to_internal_value(data)))


def endpoints_by_id(ids: list[int]) -> list[Endpoint]:
    # Only the columns the booking rules read: a booking may name every endpoint of a province.
    found = Endpoint.objects.only("pk", "name", "status", "bridge_id", "unit_id", "legacy_unit_id").in_bulk(ids)
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise serializers.ValidationError(
            _("Không có điểm cầu mã %(ids)s.") % {"ids": ", ".join(str(pk) for pk in missing)}
        )
    return [found[pk] for pk in ids]


class ParticipantsMixin(serializers.Serializer):
    """Endpoints chosen by id and/or by unit code (every bookable endpoint of those units and
    the units below them). Unit codes are looked up on today's tree first unless `structure`."""

    endpoints = IdListField(required=False, help_text="Endpoint ids taking part (the host is added by itself)")
    units = serializers.ListField(
        child=serializers.CharField(max_length=10),
        required=False,
        max_length=1000,
        help_text="Unit codes: every pilot or in-service endpoint of those units and the units below them",
    )
    structure = serializers.ChoiceField(
        choices=Structure.choices, required=False, help_text="Tree the unit codes belong to (default: current first)"
    )
    # A plain string, as on endpoints: a second enum of the same choices would name it twice in the schema.
    unit_structure = serializers.CharField(required=False, max_length=10, help_text="current or legacy (= structure)")
    groups = IdListField(required=False, max_length=100, help_text="Endpoint group ids: their rooms take part")
    bridge = serializers.PrimaryKeyRelatedField(
        queryset=Bridge.objects.all(), required=False, allow_null=True, help_text="Defaults to the host's bridge"
    )

    def validate_endpoints(self, ids: list[int]) -> list[Endpoint]:
        return endpoints_by_id(ids)

    def validate(self, attrs: dict) -> dict:
        codes = attrs.pop("units", None)
        structure = attrs.pop("structure", None) or attrs.pop("unit_structure", None)
        attrs.pop("unit_structure", None)
        if structure not in (None, *Structure.values):
            raise serializers.ValidationError(
                {"unit_structure": [_("Chọn một trong: %s.") % ", ".join(Structure.values)]}
            )
        if group_ids := attrs.pop("groups", None):
            attrs["endpoints"] = [*attrs.get("endpoints", []), *endpoints_of_groups(group_ids)]
        if codes is not None:
            units, missing = resolve_unit_codes(codes, structure=structure)
            if missing:
                raise serializers.ValidationError(
                    {"units": [_("Không có đơn vị mã %(codes)s.") % {"codes": ", ".join(missing)}]}
                )
            attrs["units"] = units
        return attrs


class MeetingCreateSerializer(ParticipantsMixin):
    title = serializers.CharField(max_length=200, validators=[validate_title])
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=MAX_DESCRIPTION, validators=[validate_description]
    )
    start = BoundedDateTimeField()
    end = BoundedDateTimeField()
    host = serializers.IntegerField(min_value=1, help_text="Host endpoint id")
    recurrence = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text='RFC 5545 RRULE, e.g. "FREQ=WEEKLY;BYDAY=MO;COUNT=10"',
    )
    skip_conflicts = serializers.BooleanField(required=False, default=False)
    delegates_per_site = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_PEOPLE,
        help_text="People per site the invitation names (savings count at most this many travellers per room); "
        "null: the cost model's default",
    )
    holiday_override_reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=300, help_text="Administrators: start on a day off"
    )

    def validate_host(self, pk: int) -> Endpoint:
        return endpoints_by_id([pk])[0]


class MeetingUpdateSerializer(ParticipantsMixin):
    title = serializers.CharField(max_length=200, required=False, validators=[validate_title])
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_DESCRIPTION, validators=[validate_description]
    )
    start = BoundedDateTimeField(required=False)
    end = BoundedDateTimeField(required=False)
    scope = serializers.ChoiceField(
        choices=SCOPES, required=False, default="this", help_text="this occurrence, or it and the following ones"
    )
    holiday_override_reason = serializers.CharField(
        required=False, max_length=300, help_text="Administrators: move the meeting onto a day off"
    )
    delegates_per_site = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_PEOPLE,
        help_text="People per site the invitation names; null: the cost model's default",
    )


class CancelSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=SCOPES, required=False, default="this")


class SeriesResultSerializer(serializers.Serializer):
    series = serializers.IntegerField()
    meetings = MeetingSerializer(many=True)
    skipped = serializers.ListField(child=serializers.DictField(), help_text="{start, end, conflicts}")


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    conflicts = serializers.ListField(
        child=serializers.DictField(),
        help_text='{"endpoint", "meeting", "start", "end"} or {"bridge", "start", "end", "ports_needed", '
        '"ports_free"}; in a series each also names its "occurrence"',
    )


class FreeSlotSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class AvailabilitySerializer(serializers.Serializer):
    free = FreeSlotSerializer(many=True)


class ImportResultSerializer(serializers.Serializer):
    booked = serializers.ListField(child=serializers.DictField(), help_text="{uid, summary, meetings, series, skipped}")
    refused = serializers.ListField(
        child=serializers.DictField(), help_text="{uid, summary, status (400|403|409), detail, errors|conflicts}"
    )
