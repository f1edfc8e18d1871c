"""User accounts (administrators): list, create, change, and the all-or-none CSV import."""

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiResponse
from rest_framework import mixins, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from rooms.models import Role
from rooms.permissions import IsAdministrator
from rooms.serializers.users import UserSerializer
from rooms.services import users as services
from rooms.services.user_import import import_users_csv
from rooms.views.csv_imports import answer_import, csv_import_action
from vconf.openapi import ADMINISTRATORS_ONLY, guarded_resource_docs

NOT_FOUND = OpenApiResponse(description="No such account")


@guarded_resource_docs(
    UserSerializer,
    forbidden=ADMINISTRATORS_ONLY,
    not_found=NOT_FOUND,
    list_refuses_filters=True,
    list="User accounts (administrators); ?role= and ?search= narrow the list",
    retrieve="One account",
    create="Create an account",
    partial_update="Change an account (a role, a unit, deactivate, a new password)",
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

    @csv_import_action(
        name="User",
        key="users",
        summary="Import accounts from CSV (administrators): all rows or none",
        description=(
            "Multipart field `file`, or the CSV itself with Content-Type text/csv. Columns: username, role; "
            "optional full_name, email, phone, home_unit, home_unit_structure, is_active, password, endpoints "
            "(the rooms an operator runs: dial addresses, or ids, separated by spaces, commas or semicolons). "
            "Row numbers count the header as row 1."
        ),
        bad_rows="Bad rows, or an unreadable file; nothing saved",
    )
    def import_csv(self, request: Request) -> Response:
        return answer_import(request, "users", lambda data: import_users_csv(data=data))
