"""Units API: the two trees of administrative units, read-only."""

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

from rooms.models import Level, Structure, Unit
from rooms.selectors.units import search_units
from rooms.serializers.units import UnitSerializer
from vconf.fields import query_choice
from vconf.params import text_param

STRUCTURE = OpenApiParameter(
    "structure", OpenApiTypes.STR, enum=Structure.values, description="Which tree (both when omitted in lists)."
)
NOT_FOUND = OpenApiResponse(description="No such unit")
BAD_PARAMETER = OpenApiResponse(description='A bad query parameter: {"parameter": ["message"]}')


@extend_schema_view(
    list=extend_schema(
        summary="Administrative units of either tree",
        parameters=[
            STRUCTURE,
            OpenApiParameter("level", OpenApiTypes.STR, enum=Level.values),
            OpenApiParameter("parent", OpenApiTypes.STR, description="Code of the parent unit (its children)."),
            OpenApiParameter("search", OpenApiTypes.STR, description="Part of the name, or the start of the code."),
        ],
        responses={200: UnitSerializer(many=True), 400: BAD_PARAMETER},
    ),
    retrieve=extend_schema(
        summary="One unit by its official code",
        description="A code may exist on both trees; without `structure` the current tree answers first.",
        parameters=[STRUCTURE],
        responses={200: UnitSerializer, 400: BAD_PARAMETER, 404: NOT_FOUND},
    ),
)
class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = UnitSerializer
    permission_classes = [IsAuthenticated]
    lookup_field = "code"
    lookup_value_regex = "[0-9A-Za-z_-]{1,10}"

    def get_queryset(self) -> QuerySet[Unit]:
        units = Unit.objects.select_related("parent").prefetch_related("absorbed", "absorbed_into")
        params = self.request.query_params
        structure = query_choice(params, "structure", Structure.values)
        if structure:
            units = units.filter(structure=structure)
        if self.action != "list":
            return units
        if level := query_choice(params, "level", Level.values):
            units = units.filter(level=level)
        if parent := text_param(params, "parent", max_length=20):
            units = units.filter(parent__code=parent)
        if search := text_param(params, "search", max_length=100):
            units = search_units(units, search=search)
        return units.order_by("structure", "code")

    def get_object(self) -> Unit:
        units = self.get_queryset().filter(code=self.kwargs["code"])
        # A current commune often keeps the code of a legacy commune it absorbed: prefer today's tree.
        unit = units.filter(structure=Structure.CURRENT).first() or units.filter(structure=Structure.LEGACY).first()
        if unit is None:
            raise Http404(_("Không có đơn vị này."))
        return unit
