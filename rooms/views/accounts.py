from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response

from rooms.models import Role
from rooms.permissions import is_administrator, roles_of
from vconf.throttling import LoginRateThrottle, ScopedRateThrottle

# Where each role starts its day; the first that applies wins.
HOME_PAGES = [
    (Role.LEADER, "dashboard"),
    (Role.STAFF, "meeting-calendar"),
    (Role.OPERATOR, "my-room"),
]


def message_list(help_text: str) -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(), required=False, help_text=help_text)


class ObtainToken(ObtainAuthToken):
    # Guessing passwords costs a try per request: a tight rate per client address (THROTTLE_AUTH)
    # on top of django-axes' lock-out of one user name and address, which a guesser spreading over
    # many names avoids. DRF's ObtainAuthToken has no throttle at all.
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        responses={
            200: inline_serializer("Token", {"token": serializers.CharField()}),
            400: inline_serializer(
                "TokenError",
                {
                    "username": message_list("Missing or blank user name"),
                    "password": message_list("Missing or blank password"),
                    "non_field_errors": message_list("Wrong user name or password, or an inactive account"),
                    "detail": serializers.CharField(required=False, help_text="The body could not be read"),
                },
            ),
        }
    )
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().post(request, *args, **kwargs)


class LoginView(auth_views.LoginView):
    """Django's login page with the token endpoint's rate limit (THROTTLE_AUTH, shared per address)."""

    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        throttle = LoginRateThrottle()
        if not throttle.allow_request(request, self):
            wait = throttle.wait()
            seconds = max(int(wait or 0), 1)
            message = _("Quá nhiều lần đăng nhập từ địa chỉ này, hãy thử lại sau %(seconds)s giây.") % {
                "seconds": seconds
            }
            response = render(request, "registration/locked_out.html", {"message": message}, status=429)
            response["Retry-After"] = str(seconds)
            return response
        return super().post(request, *args, **kwargs)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role starts where its day's work is; administrators start at the booking calendar."""
    mine = roles_of(request.user)
    for role, url_name in HOME_PAGES:
        if role in mine or (role == Role.STAFF and is_administrator(request.user)):
            return redirect(url_name)
    return render(request, "rooms/home.html")
