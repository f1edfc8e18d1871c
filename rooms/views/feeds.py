"""Per-endpoint calendar feeds: subscribable without a login, guarded by the endpoint's feed
token, answered from the cache with an ETag (304 when the client already has it)."""

import secrets

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from rooms import ical
from rooms.models import Endpoint
from rooms.services.endpoints import rotate_feed_token
from vconf.auth import signed_in

ERROR = inline_serializer("FeedError", {"detail": serializers.CharField()})


class FeedThrottle(AnonRateThrottle):
    # Calendar clients poll every few minutes, often several behind one office address:
    # more generous than the anonymous API limit, still bounded.
    rate = "600/minute"


class EndpointCalendarView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [FeedThrottle]

    @extend_schema(
        tags=["meetings"],
        operation_id="endpoints_calendar_ics",
        summary="Subscribable calendar of one endpoint (no login: the feed token is the key)",
        description=(
            "Every meeting of the endpoint from 180 days ago on, cancelled ones with STATUS:CANCELLED. "
            "Answers with an ETag; a request with a matching If-None-Match gets 304. A wrong token: 404."
        ),
        auth=[],
        parameters=[OpenApiParameter("token", OpenApiTypes.STR, required=True, description="The feed token")],
        responses={
            (200, "text/calendar"): OpenApiTypes.STR,
            304: OpenApiResponse(description="Not modified"),
            404: ERROR,
        },
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        token = request.query_params.get("token", "")
        endpoint = Endpoint.objects.filter(pk=pk).only("pk", "name", "feed_token").first()
        # Compared in constant time, and the same 404 for "no such endpoint" and "wrong token".
        if endpoint is None or not secrets.compare_digest(endpoint.feed_token.encode(), token.encode()):
            raise exceptions.NotFound()
        feed = ical.cached_feed(endpoint)
        if feed.etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
            response = HttpResponse(status=304)
        else:
            response = HttpResponse(feed.body, content_type="text/calendar; charset=utf-8")
            response["Content-Disposition"] = f'inline; filename="diem-cau-{endpoint.pk}.ics"'
        response["ETag"] = feed.etag
        response["Cache-Control"] = "private, no-cache"
        return response


class RotateFeedTokenView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["meetings"],
        summary="Issue a new feed token (the old calendar link stops working)",
        description="For the endpoint's operators and administrators.",
        request=None,
        responses={
            200: inline_serializer("FeedToken", {"calendar_url": serializers.CharField()}),
            403: ERROR,
            404: ERROR,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        endpoint = rotate_feed_token(endpoint=get_object_or_404(Endpoint, pk=pk), by=signed_in(request))
        return Response({"calendar_url": ical.feed_url(endpoint, request)})
