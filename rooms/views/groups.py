"""Endpoint groups API and the staff page that manages them. Every write goes through
rooms/services/groups.py; the list shows the groups whose rooms the user may book."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from rooms.models import Endpoint, EndpointGroup, Role
from rooms.models.endpoints import BOOKABLE_STATUSES
from rooms.permissions import endpoints_in_scope, has_role
from rooms.selectors.groups import groups_for
from rooms.serializers.groups import EndpointGroupSerializer
from rooms.services import groups as services
from vconf.exceptions import validation_lines
from vconf.params import ids_in, int_or_none

REFUSED = OpenApiResponse(description='400 {"field": ["message"]}, or 403 outside your scope / not yours')
FORBIDDEN = OpenApiResponse(description="Not your group, or rooms outside your scope")
NOT_FOUND = OpenApiResponse(description="No such group among those you may use")


@extend_schema_view(
    list=extend_schema(summary="Endpoint groups whose rooms you may book"),
    retrieve=extend_schema(summary="One endpoint group", responses={200: EndpointGroupSerializer, 404: NOT_FOUND}),
    create=extend_schema(
        summary="Save a named group of rooms (office staff)", responses={201: EndpointGroupSerializer, 400: REFUSED}
    ),
    partial_update=extend_schema(
        summary="Rename a group or change its rooms (its owner or an administrator)",
        responses={200: EndpointGroupSerializer, 400: REFUSED, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
    destroy=extend_schema(
        summary="Delete a group (its owner or an administrator)", responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND}
    ),
)
class EndpointGroupViewSet(viewsets.ModelViewSet):
    serializer_class = EndpointGroupSerializer
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[EndpointGroup]:
        return groups_for(self.request.user)

    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        incoming = self.get_serializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        group = services.create_group(user=signed(request), **incoming.validated_data)
        return Response(self.get_serializer(group).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: object, **kwargs: object) -> Response:
        group = self.get_object()
        incoming = self.get_serializer(group, data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        group = services.update_group(
            user=signed(request), group=group, name=data.get("name"), endpoints=data.get("endpoints")
        )
        return Response(self.get_serializer(group).data)

    def destroy(self, request: Request, *args: object, **kwargs: object) -> Response:
        services.delete_group(user=signed(request), group=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


def signed(request: HttpRequest | Request) -> User:
    # Behind login_required / IsAuthenticated: never the anonymous user.
    return cast(User, request.user)


def page_context(request: HttpRequest, **extra: object) -> dict:
    rooms = (
        endpoints_in_scope(request.user).filter(status__in=BOOKABLE_STATUSES).select_related("unit").order_by("name")
    )
    return {"groups": groups_for(request.user), "rooms": rooms, **extra}


@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    """The staff page: the saved groups, and a form to save a new one or change one of them."""
    if not has_role(request.user, Role.STAFF):
        raise PermissionDenied
    if request.method != "POST":
        wanted = int_or_none(request.GET, "sua")
        group = groups_for(request.user).filter(pk=wanted).first() if wanted else None
        extra = {"editing": group, "name": group.name, "chosen": {e.pk for e in group.endpoints.all()}} if group else {}
        return render(request, "rooms/endpoint_groups.html", page_context(request, **extra))
    ids = ids_in(request.POST.getlist("endpoints"))
    rooms = list(Endpoint.objects.filter(pk__in=ids))
    name = request.POST.get("name", "")[:200]
    editing = int_or_none(request.POST, "group")
    try:
        if editing:
            group = get_object_or_404(groups_for(request.user), pk=editing)
            services.update_group(user=signed(request), group=group, name=name, endpoints=rooms)
        else:
            services.create_group(user=signed(request), name=name, endpoints=rooms)
    except ValidationError as error:
        context = page_context(request, errors=validation_lines(error), name=name, chosen=set(ids), editing_id=editing)
        return render(request, "rooms/endpoint_groups.html", context, status=400)
    except PermissionDenied as error:
        context = page_context(request, errors=[str(error)], name=name, chosen=set(ids))
        return render(request, "rooms/endpoint_groups.html", context, status=403)
    messages.success(request, _("Đã lưu nhóm “%(name)s”.") % {"name": " ".join(name.split())})
    return redirect("endpoint-groups")


@login_required
@require_POST
def group_delete(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(groups_for(request.user), pk=pk)
    services.delete_group(user=signed(request), group=group)
    messages.success(request, _("Đã xóa nhóm “%(name)s”.") % {"name": group.name})
    return redirect("endpoint-groups")
