"""The one error path of the API: every failure becomes JSON with a 4xx status, never a 500."""

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, IntegrityError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)

# PostgreSQL SQLSTATEs that mean "someone else got there first": answer 409, the client may retry.
CONFLICT_SQLSTATES = {
    "23505": "unique_violation",
    "23P01": "exclusion_violation",
    "40001": "serialization_failure",
    "40P01": "deadlock_detected",
    "55P03": "lock_not_available",
}


class Conflict(Exception):
    """A domain rule refused the request because of other data (409), e.g. a booking conflict."""

    def __init__(self, detail: str, conflicts: list | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.conflicts = conflicts or []


def validation_error_body(error: DjangoValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in error.message_dict.items()}
    return {"non_field_errors": [str(m) for m in error.messages]}


def database_error_response(error: DatabaseError) -> Response:
    sqlstate = getattr(getattr(error, "__cause__", None), "sqlstate", None)
    text = str(error)
    if sqlstate in CONFLICT_SQLSTATES or "overlapping booking" in text or "UNIQUE constraint" in text:
        return Response(
            {"detail": _("Xung đột với dữ liệu khác, vui lòng thử lại.")},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(error, OperationalError) and "locked" in text:
        return Response({"detail": _("Hệ thống đang bận, vui lòng thử lại.")}, status=409)
    if isinstance(error, IntegrityError):
        return Response({"non_field_errors": [_("Dữ liệu không hợp lệ.")]}, status=400)
    raise error


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, Conflict):
        return Response({"detail": exc.detail, "conflicts": exc.conflicts}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        return Response(validation_error_body(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DatabaseError):
        return database_error_response(exc)
    if isinstance(exc, exceptions.UnsupportedMediaType):
        # The contract promises 400 for a body the API cannot read, whatever the reason.
        return Response({"detail": str(exc.detail)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, (OverflowError, UnicodeError)):
        return Response({"detail": _("Giá trị không hợp lệ.")}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    return exception_handler(exc, context)


def json_or_html(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def handler404(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    if json_or_html(request):
        return JsonResponse({"detail": _("Không tìm thấy.")}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler500(request: HttpRequest) -> JsonResponse:
    if json_or_html(request):
        return JsonResponse({"detail": _("Lỗi máy chủ.")}, status=500)
    from django.views.defaults import server_error

    return server_error(request)
