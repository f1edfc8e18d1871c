"""Meetings API: book (one or a series), list, read, reschedule, cancel, invitation, import, and
the free-slot search. Every write calls one service of rooms/services/booking.py or series.py."""

from collections.abc import Mapping
from datetime import timedelta
from typing import IO, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rooms import ical, ical_upload
from rooms.models import Endpoint, Meeting, MeetingStatus, Role
from rooms.permissions import CanBook, has_role
from rooms.selectors import meetings as selectors
from rooms.selectors.availability import free_slots
from rooms.serializers.meetings import (
    AvailabilitySerializer,
    CancelSerializer,
    ConflictSerializer,
    ImportResultSerializer,
    MeetingCreateSerializer,
    MeetingSerializer,
    MeetingUpdateSerializer,
    endpoints_by_id,
)
from rooms.services import booking, delegated, invitations, meeting_edits, series
from rooms.services.booking_rules import BookingRequest
from rooms.services.port_refusals import port_refusals_recorded
from vconf import clock
from vconf.auth import signed_in
from vconf.exceptions import Conflict
from vconf.fields import query_choice, query_datetime, query_int
from vconf.params import int_list_param, text_param
from vconf.parsers import read_bounded

ERROR = inline_serializer("MeetingError", {"detail": serializers.CharField()})
FIELD_ERRORS = OpenApiResponse(description='Refused input, a message per field: {"field": ["message"]}')
CONFLICT = OpenApiResponse(ConflictSerializer, description="Refused: every conflict listed")
STATES = [
    MeetingStatus.PENDING,
    MeetingStatus.SCHEDULED,
    MeetingStatus.IN_PROGRESS,
    MeetingStatus.HELD,
    MeetingStatus.CANCELLED,
]
# The free-slot search reads a bounded range, so one request cannot scan years of bookings.
MAX_AVAILABILITY_DAYS = 62
KEEP_DELEGATES = object()  # PATCH without delegates_per_site: as it is


def meeting_body(meeting: Meeting, *, reload: bool = True) -> dict:
    """A meeting as the API shows it, read again after a service changed it (`reload=False`
    for the instance a booking service just created and returned)."""
    if reload:
        meeting = Meeting.objects.select_related("organizer").get(pk=meeting.pk)
    return MeetingSerializer(meeting).data


@extend_schema(tags=["meetings"])
class MeetingViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    """Anyone signed in reads; office staff and administrators book within their scope."""

    permission_classes = [CanBook]
    serializer_class = MeetingSerializer
    queryset = selectors.with_participants(Meeting.objects.all())
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> "QuerySet[Meeting]":
        if self.action != "list":
            return self.queryset
        params = self.request.query_params
        endpoint = query_int(params, "endpoint", lo=1)
        return selectors.meeting_list(
            now=clock.now(),
            start_after=query_datetime(params, "start_after"),
            start_before=query_datetime(params, "start_before"),
            endpoint_id=endpoint,
            state=query_choice(params, "status", STATES),
        )

    @extend_schema(
        summary="List meetings",
        parameters=[
            OpenApiParameter("start_after", OpenApiTypes.DATETIME, description="Meetings starting at or after"),
            OpenApiParameter("start_before", OpenApiTypes.DATETIME, description="Meetings starting before"),
            OpenApiParameter("endpoint", OpenApiTypes.INT, description="Meetings this endpoint is booked into"),
            OpenApiParameter("status", OpenApiTypes.STR, enum=STATES, description="Derived state at this moment"),
        ],
        responses={200: MeetingSerializer(many=True), 400: FIELD_ERRORS},
    )
    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="Read a meeting", responses={200: MeetingSerializer, 404: ERROR})
    def retrieve(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Book a meeting, or a series with `recurrence`",
        description=(
            "Participants by endpoint id and/or unit code (every pilot or in-service endpoint of those "
            "units and below). The bridge defaults to the host's. With `recurrence` (an RRULE, daily or "
            "coarser) every occurrence up to the booking horizon is booked, all or none; with "
            "`skip_conflicts` the free ones are booked and the others reported under `skipped`."
        ),
        request=MeetingCreateSerializer,
        responses={
            201: OpenApiResponse(
                MeetingSerializer, description="The meeting; with a recurrence: {series, meetings, skipped}"
            ),
            400: FIELD_ERRORS,
            403: ERROR,
            409: CONFLICT,
        },
        examples=[
            OpenApiExample(
                "Monday briefing",
                request_only=True,
                value={
                    "title": "Giao ban sáng thứ Hai",
                    "start": "2026-03-09T08:00:00",
                    "end": "2026-03-09T09:30:00",
                    "host": 1,
                    "units": ["20"],
                    "recurrence": "FREQ=WEEKLY;BYDAY=MO;COUNT=10",
                    "skip_conflicts": True,
                },
            )
        ],
    )
    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        incoming = MeetingCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        with port_refusals_recorded(user=signed_in(request), title=data["title"]):
            return self.book(request, data)

    def book(self, request: Request, data: dict) -> Response:
        recurrence, skip = data.pop("recurrence", ""), data.pop("skip_conflicts", False)
        if recurrence:
            result = booking.book(
                BookingRequest(organizer=signed_in(request), **data), rule=recurrence, skip_conflicts=skip
            )
            meetings = selectors.with_participants(Meeting.objects.filter(pk__in=[m.pk for m in result.meetings]))
            body = {
                "series": result.series.pk if result.series else None,
                "meetings": MeetingSerializer(meetings.order_by("start"), many=True).data,
                "skipped": result.skipped,
            }
            return Response(body, status=status.HTTP_201_CREATED)
        meeting = booking.book_meeting(organizer=signed_in(request), **data)
        # Set after commit when the invitations could not be sent: the answer says so.
        meeting.refresh_from_db(fields=["invitations_unsent"])
        return Response(meeting_body(meeting, reload=False), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Reschedule or change a meeting",
        description=(
            "Start, end, endpoints/units (replace the participants), title, description, bridge. Same rules "
            "as booking; the meeting's own bookings do not conflict with it. `scope: following` applies "
            "the change to this occurrence and every later one of its series (a new start shifts each by "
            "the same amount). A held or cancelled meeting cannot change (409)."
        ),
        request=MeetingUpdateSerializer,
        responses={200: MeetingSerializer, 400: FIELD_ERRORS, 403: ERROR, 404: ERROR, 409: CONFLICT},
    )
    def partial_update(self, request: Request, *args: object, **kwargs: object) -> Response:
        meeting = self.get_object()
        incoming = MeetingUpdateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        actor = signed_in(request)
        if not delegated.holds_whole_meeting(actor, meeting):
            return self.change_own_part(meeting, actor, data)
        scope = data.pop("scope", "this")
        delegates = data.pop("delegates_per_site", KEEP_DELEGATES)
        moves = bool(data) or delegates is KEEP_DELEGATES
        if "bridge" not in data:
            data["bridge"] = booking.KEEP
        if moves and scope == "following":
            series.reschedule_following(meeting=meeting, actor=actor, **data)
        elif moves:
            booking.reschedule_meeting(meeting=meeting, actor=actor, **data)
        if delegates is not KEEP_DELEGATES:
            meeting = meeting_edits.set_delegates_per_site(meeting=meeting, actor=actor, delegates_per_site=delegates)
        return Response(meeting_body(meeting))

    def update(self, request: Request, *args: object, **kwargs: object) -> Response:
        return self.partial_update(request, *args, **kwargs)

    def change_own_part(self, meeting: Meeting, actor: "User", data: dict) -> Response:
        """Delegated scope: a user who holds only some rooms of the meeting adds or removes their
        own; anything else (title, time, host, bridge, the following occurrences) is refused."""
        delegated.require_booker(actor)
        if set(data) - {"endpoints", "units", "scope"} or data.get("scope", "this") != "this":
            delegated.require_whole_meeting(actor, meeting)
        delegated.change_own_rooms(
            meeting=meeting, actor=actor, endpoints=data.get("endpoints", ()), units=data.get("units", ())
        )
        return Response(meeting_body(meeting))

    @extend_schema(
        summary="Cancel a meeting (it is kept, its endpoints are freed)",
        description="`scope: following` cancels this occurrence and every later one of its series.",
        request=CancelSerializer,
        responses={200: MeetingSerializer, 400: FIELD_ERRORS, 403: ERROR, 404: ERROR, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        meeting = self.get_object()
        incoming = CancelSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        delegated.require_booker(signed_in(request))
        delegated.require_whole_meeting(signed_in(request), meeting)
        if incoming.validated_data["scope"] == "following":
            series.cancel_following(meeting=meeting, actor=signed_in(request))
        else:
            booking.cancel_meeting(meeting=meeting, actor=signed_in(request))
        return Response(meeting_body(meeting))

    @extend_schema(
        summary="Send the meeting's e-mail to its operators again",
        description=(
            "For a meeting whose invitation, change or cancellation could not be sent after the booking "
            "(`invitations_unsent`). 503 when the mail server still cannot take it (kept as unsent)."
        ),
        request=None,
        responses={
            200: inline_serializer("ResendResult", {"sent": serializers.IntegerField()}),
            403: ERROR,
            404: ERROR,
            409: ERROR,
            503: ERROR,
        },
    )
    @action(detail=True, methods=["post"], url_path="resend-invitations")
    def resend_invitations(self, request: Request, pk: str | None = None) -> Response:
        try:
            sent = invitations.resend_invitations(meeting=self.get_object(), actor=signed_in(request))
        except invitations.MailNotSent:
            return Response({"detail": _("Chưa gửi được thư mời: máy chủ thư không nhận.")}, status=503)
        return Response({"sent": sent})


@login_required
@require_POST
def resend_invitations_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting page's "resend" button (staff): the same service as the API action."""
    if not has_role(request.user, Role.STAFF):
        raise PermissionDenied
    meeting = get_object_or_404(Meeting, pk=pk)
    try:
        sent = invitations.resend_invitations(meeting=meeting, actor=signed_in(request))
    except invitations.MailNotSent:
        messages.error(request, _("Chưa gửi được thư mời: máy chủ thư không nhận. Hãy thử lại sau."))
    except PermissionDenied as refusal:
        messages.error(request, str(refusal))
    except Conflict as refusal:
        messages.error(request, refusal.detail)
    else:
        messages.success(request, _("Đã gửi lại %(n)s thư.") % {"n": sent})
    return redirect("meeting-detail", pk=pk)


class InviteView(APIView):
    @extend_schema(
        tags=["meetings"],
        operation_id="meetings_invite_ics",
        summary="The meeting's invitation as iCalendar",
        description="METHOD:REQUEST, or METHOD:CANCEL with STATUS:CANCELLED once cancelled. SEQUENCE grows "
        "with every change.",
        responses={(200, "text/calendar"): OpenApiTypes.STR, 404: ERROR},
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        meeting = get_object_or_404(Meeting.objects.select_related("host", "bridge", "organizer"), pk=pk)
        body = ical.invite_calendar(meeting)
        method = "CANCEL" if meeting.status == MeetingStatus.CANCELLED else "REQUEST"
        response = HttpResponse(body, content_type=f"text/calendar; method={method}; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="hop-{meeting.pk}.ics"'
        return response


class CalendarParser(parsers.BaseParser):
    """A raw text/calendar request body."""

    media_type = "text/calendar"

    def parse(
        self, stream: IO[bytes] | None, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> dict:
        return {"calendar": read_bounded(stream, parser_context)}


# An import is a batch of bookings, not an archive: a few hundred events at most.
MAX_IMPORT_BYTES = 2 * 1024 * 1024


class ImportView(APIView):
    permission_classes = [CanBook]
    parser_classes = [CalendarParser, parsers.MultiPartParser, parsers.FormParser]

    @extend_schema(
        tags=["meetings"],
        summary="Import an iCalendar file: book every VEVENT under the same rules",
        description=(
            "Send the file as the body (Content-Type: text/calendar) or as the `file` field of a form. Each "
            "VEVENT is booked on its own (RRULE and EXDATE included). Participants: X-VCONF-HOST, "
            "X-VCONF-ENDPOINTS (endpoint ids), X-VCONF-UNITS (unit codes), X-VCONF-BRIDGE; without them "
            "LOCATION names the host endpoint and ATTENDEE e-mails select the endpoints their operators run. "
            "`?skip_conflicts=1` books the free occurrences of a series."
        ),
        request={"text/calendar": OpenApiTypes.BINARY, "multipart/form-data": OpenApiTypes.OBJECT},
        parameters=[OpenApiParameter("skip_conflicts", OpenApiTypes.BOOL)],
        responses={200: ImportResultSerializer, 400: FIELD_ERRORS, 403: ERROR},
    )
    def post(self, request: Request) -> Response:
        data = ical_upload.uploaded_calendar(request.data)
        if getattr(self, "as_requests", False):
            body = ical_upload.import_requests(organizer=signed_in(request), data=data)
            return Response(body, status=400 if "events" in body else 200)
        skip = request.query_params.get("skip_conflicts", "").lower() in {"1", "true", "yes", "on"}
        return Response(series.import_calendar(organizer=signed_in(request), data=data, skip_conflicts=skip))


class AvailabilityView(APIView):
    @extend_schema(
        tags=["meetings"],
        summary="Free slots in which all these endpoints can meet together",
        description=(
            "Maximal free intervals (not slot starts), each at least `duration` minutes long, within working "
            "hours on working days (Asia/Ho_Chi_Minh), not in the past nor beyond the booking horizon, with "
            "the setup buffer kept around every booking. The range is at most 62 days (default: 7 days)."
        ),
        parameters=[
            OpenApiParameter("endpoints", OpenApiTypes.STR, description="Endpoint ids, comma-separated"),
            OpenApiParameter("units", OpenApiTypes.STR, description="Unit codes, comma-separated"),
            OpenApiParameter("structure", OpenApiTypes.STR, enum=["current", "legacy"]),
            OpenApiParameter("start", OpenApiTypes.DATETIME, description="Default: now"),
            OpenApiParameter("end", OpenApiTypes.DATETIME, description="Default: start + 7 days"),
            OpenApiParameter("duration", OpenApiTypes.INT, description="Minutes, default 60"),
        ],
        responses={200: AvailabilitySerializer, 400: FIELD_ERRORS},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        now = clock.now()
        start = query_datetime(params, "start") or now
        end = query_datetime(params, "end") or start + timedelta(days=7)
        duration = query_int(params, "duration", lo=5, hi=24 * 60) or 60
        if end <= start:
            raise serializers.ValidationError({"end": [_("Phải sau thời điểm bắt đầu.")]})
        if end - start > timedelta(days=MAX_AVAILABILITY_DAYS):
            message = _("Khoảng tìm tối đa %(days)s ngày.") % {"days": MAX_AVAILABILITY_DAYS}
            raise serializers.ValidationError({"end": [message]})
        ids = self.endpoint_ids(params)
        slots = free_slots(endpoint_ids=ids, start=start, end=end, duration=timedelta(minutes=duration), now=now)
        return Response({"free": [{"start": selectors.iso(s), "end": selectors.iso(e)} for s, e in slots]})

    def endpoint_ids(self, params: dict) -> list[int]:
        ids: set[int] = set()
        if raw := int_list_param(params, "endpoints"):
            ids |= {e.pk for e in endpoints_by_id_or_400(raw)}
        codes = [part.strip() for part in text_param(params, "units", max_length=50_000).split(",") if part.strip()]
        if codes:
            structure = query_choice(params, "structure", ["current", "legacy"])
            units, missing = selectors.resolve_unit_codes(codes, structure=structure)
            if missing:
                message = _("Không có đơn vị mã %(codes)s.") % {"codes": ", ".join(missing)}
                raise serializers.ValidationError({"units": [message]})
            ids |= set(selectors.bookable_endpoints_under(units).values_list("pk", flat=True))
        if not ids:
            raise serializers.ValidationError({"endpoints": [_("Chọn ít nhất một điểm cầu hoặc đơn vị.")]})
        return sorted(ids)


def endpoints_by_id_or_400(ids: list[int]) -> list[Endpoint]:
    try:
        return endpoints_by_id(ids)
    except serializers.ValidationError as error:
        raise serializers.ValidationError({"endpoints": error.detail}) from None
