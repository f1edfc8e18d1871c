from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken

from rooms.models import Role
from rooms.permissions import has_role, roles_of

# Where each role starts its day; the first that applies wins.
HOME_PAGES = [
    (Role.LEADER, "dashboard"),
    (Role.STAFF, "meeting-calendar"),
    (Role.OPERATOR, "my-room"),
]


class ObtainToken(ObtainAuthToken):
    @extend_schema(
        responses={
            200: inline_serializer("Token", {"token": serializers.CharField()}),
            400: inline_serializer("TokenError", {"non_field_errors": serializers.ListField()}),
        }
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    from django.urls import NoReverseMatch

    mine = roles_of(request.user)
    for role, url_name in HOME_PAGES:
        if role in mine or (role == Role.STAFF and has_role(request.user)):
            try:
                return redirect(url_name)
            except NoReverseMatch:
                continue
    return render(request, "rooms/home.html")
