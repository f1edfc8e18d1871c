"""User accounts (administrators): list, create, change, and the all-or-none CSV import."""

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from rooms.models import Role
from rooms.permissions import IsAdministrator
from rooms.serializers.imports import ImportErrorsSerializer
from rooms.serializers.users import UserSerializer
from rooms.services import users as services
from rooms.services.csv_files import RowErrors
from rooms.services.user_import import import_users_csv
from rooms.views.endpoints import CsvParser, uploaded_csv
from vconf.parsers import JSONParser

FIELD_ERRORS = OpenApiResponse(description='Refused, with a message per field: {"field": ["message"]}')
FORBIDDEN = OpenApiResponse(description="Administrators only")
NOT_FOUND = OpenApiResponse(description="No such account")


@extend_schema_view(
    list=extend_schema(
        summary="User accounts (administrators); ?role= and ?search= narrow the list",
        responses={200: UserSerializer(many=True), 400: FIELD_ERRORS, 403: FORBIDDEN},
    ),
    retrieve=extend_schema(summary="One account", responses={200: UserSerializer, 403: FORBIDDEN, 404: NOT_FOUND}),
    create=extend_schema(
        summary="Create an account", responses={201: UserSerializer, 400: FIELD_ERRORS, 403: FORBIDDEN}
    ),
    partial_update=extend_schema(
        summary="Change an account (a role, a unit, deactivate, a new password)",
        responses={200: UserSerializer, 400: FIELD_ERRORS, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
)
class UserViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = UserSerializer
    permission_classes = [IsAdministrator]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[User]:
        users = (
            User.objects.select_related("profile__home_unit")
            .prefetch_related("groups", "operated_endpoints")
            .order_by("username")
        )
        params = self.request.query_params
        if (role := params.get("role")) in Role.values:
            holds = Q(groups__name=role) | (Q(is_superuser=True) if role == Role.ADMINISTRATOR else Q(pk__in=[]))
            users = users.filter(holds).distinct()
        if search := params.get("search", "").strip()[:100]:
            users = users.filter(Q(username__icontains=search) | Q(profile__full_name__icontains=search))
        return users

    def perform_create(self, serializer: BaseSerializer[User]) -> None:
        serializer.instance = services.create_user(**serializer.validated_data)

    def perform_update(self, serializer: BaseSerializer[User]) -> None:
        assert serializer.instance is not None  # an update has its instance
        serializer.instance = services.update_user(user=serializer.instance, **serializer.validated_data)

    @extend_schema(
        summary="Import accounts from CSV (administrators): all rows or none",
        description=(
            "Multipart field `file`, or the CSV itself with Content-Type text/csv. Columns: username, role; "
            "optional full_name, email, phone, home_unit, home_unit_structure, is_active, password, endpoints "
            "(the rooms an operator runs: dial addresses, or ids, separated by spaces, commas or semicolons). "
            "Row numbers count the header as row 1."
        ),
        request={
            "multipart/form-data": inline_serializer("UserImport", {"file": serializers.FileField()}),
            "text/csv": OpenApiTypes.STR,
        },
        responses={
            201: inline_serializer(
                "UserImportResult",
                {
                    "created": serializers.IntegerField(),
                    "users": serializers.ListField(child=serializers.IntegerField()),
                },
            ),
            400: OpenApiResponse(ImportErrorsSerializer, description="Bad rows, or an unreadable file; nothing saved"),
            403: FORBIDDEN,
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser, CsvParser, JSONParser],
    )
    def import_csv(self, request: Request) -> Response:
        data = uploaded_csv(request)
        try:
            created = import_users_csv(data=data)
        except RowErrors as error:
            return Response(error.as_body(), status=status.HTTP_400_BAD_REQUEST)
        return Response({"created": len(created), "users": [u.pk for u in created]}, status=201)
