"""The one error path of the API: every failure becomes JSON with a 4xx status, never a 500."""

import logging
import math
import sys

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
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
# SQLite's words for the same: the no-overlap trigger (migration 0002), a unique index, a busy file.
CONFLICT_TEXTS = ("overlapping booking", "UNIQUE constraint", "database is locked")


class Conflict(Exception):
    """A domain rule refused the request because of other data (409), e.g. a booking conflict."""

    field = ""  # a subclass about one field names it: the answer carries {field: [detail]} too

    def __init__(self, detail: str, conflicts: list | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.conflicts = conflicts or []


def is_conflict_error(error: DatabaseError) -> bool:
    """True when the database refused a write because another one got there first."""
    sqlstate = getattr(getattr(error, "__cause__", None), "sqlstate", None)
    return sqlstate in CONFLICT_SQLSTATES or any(text in str(error) for text in CONFLICT_TEXTS)


def validation_messages(error: DjangoValidationError) -> dict[str, list[str]]:
    """{field: [message]} of a Django ValidationError; "non_field_errors" when it names no field.
    The API answers it as is; pages and commands show its lines."""
    if hasattr(error, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in error.message_dict.items()}
    return {"non_field_errors": [str(m) for m in error.messages]}


def validation_lines(error: DjangoValidationError) -> list[str]:
    return [message for messages in validation_messages(error).values() for message in messages]


def database_error_response(error: DatabaseError) -> Response:
    if is_conflict_error(error):
        return Response({"detail": _("Xung đột với dữ liệu khác, vui lòng thử lại.")}, status=status.HTTP_409_CONFLICT)
    if isinstance(error, IntegrityError):
        return Response({"non_field_errors": [_("Dữ liệu không hợp lệ.")]}, status=400)
    if isinstance(error, (OperationalError, InterfaceError)):
        return database_unavailable(error)
    raise error


def database_unavailable(error: Exception) -> Response:
    # The database is down or unreachable: the client may retry later (not a bug: not a 500).
    logger.error("Database unavailable: %s", error)
    message = _("Cơ sở dữ liệu tạm thời không truy cập được, vui lòng thử lại.")
    return Response({"detail": message}, status=503, headers={"Retry-After": "30"})


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, Conflict):
        body: dict = {"detail": exc.detail, "conflicts": exc.conflicts}
        if exc.field:  # a refusal about one field also answers under that field, like a 400
            body[exc.field] = [exc.detail]
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        return Response(validation_messages(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DatabaseError):
        return database_error_response(exc)
    if isinstance(exc, exceptions.UnsupportedMediaType):
        # The contract promises 400 for a body the API cannot read, whatever the reason.
        return Response({"detail": str(exc.detail)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, (OverflowError, UnicodeError)):
        return Response({"detail": _("Giá trị không hợp lệ.")}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, SuspiciousOperation):
        # Too many form fields, a body over the upload limit, a forged multipart boundary:
        # Django's own answer would be an HTML page; the API answers JSON.
        logger.warning("Refused a suspicious request: %s", exc)
        return Response({"detail": _("Yêu cầu không hợp lệ.")}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        # A service's refusal says what the user may not do; a bare one gets DRF's default text.
        exc = exceptions.PermissionDenied(str(exc) or None)
    return exception_handler(exc, context)


def json_or_html(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    if json_or_html(request):
        return JsonResponse({"detail": _("Không tìm thấy.")}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler400(request: HttpRequest, exception: Exception) -> HttpResponse:
    if json_or_html(request):
        return JsonResponse({"detail": _("Yêu cầu không hợp lệ.")}, status=400)
    from django.views.defaults import bad_request

    return bad_request(request, exception)


def handler403(request: HttpRequest, exception: Exception) -> HttpResponse:
    if json_or_html(request):
        return JsonResponse({"detail": _("Bạn không có quyền thực hiện thao tác này.")}, status=403)
    from django.views.defaults import permission_denied

    return permission_denied(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    # Called while the error is being handled; a database outage (outside an API view too:
    # a page, a middleware) is a 503, answered without touching the database again.
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        return unavailable_page(request)
    if json_or_html(request):
        return JsonResponse({"detail": _("Lỗi máy chủ.")}, status=500)
    from django.shortcuts import render
    from django.views.defaults import server_error

    try:
        # The site's own page with its menu; Django's default renders without the request.
        return render(request, "500.html", status=500)
    except Exception:
        # Whatever broke the request may break the page too (the database, a context processor).
        logger.exception("The 500 page could not be rendered with its context")
        return server_error(request)


def unavailable_page(request: HttpRequest) -> HttpResponse:
    message = _("Cơ sở dữ liệu tạm thời không truy cập được, vui lòng thử lại.")
    if json_or_html(request):
        response: HttpResponse = JsonResponse({"detail": message}, status=503)
    else:
        # No template: base.html reads the user and roles, i.e. the database that is down.
        response = HttpResponse(f"<!doctype html><title>503</title><h1>503</h1><p>{message}</p>", status=503)
    response["Retry-After"] = "30"
    return response


def lockout_response(request: HttpRequest, credentials: dict | None = None) -> HttpResponse:
    """django-axes' answer to a locked-out login (AXES_LOCKOUT_CALLABLE): 429 with Retry-After,
    JSON `{"detail"}` on the API, a Vietnamese page on the web."""
    from axes.helpers import get_cool_off
    from django.shortcuts import render

    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else None
    minutes = math.ceil(seconds / 60) if seconds else None
    if minutes:
        message = _("Đăng nhập sai quá nhiều lần. Tài khoản tạm khóa, hãy thử lại sau %(minutes)s phút.") % {
            "minutes": minutes
        }
    else:
        message = _("Đăng nhập sai quá nhiều lần. Tài khoản bị khóa, hãy liên hệ quản trị hệ thống.")
    if json_or_html(request):
        response: HttpResponse = JsonResponse({"detail": message}, status=429)
    else:
        response = render(request, "registration/locked_out.html", {"message": message}, status=429)
    if seconds:
        response["Retry-After"] = str(seconds)
    return response


def propagate_lockout(sender: object, request: HttpRequest | None = None, **kwargs: object) -> None:
    """Receiver of axes' `user_locked_out`. DRF hands authenticate() its own Request wrapper, so
    axes flags the wrapper; AxesMiddleware looks at the Django request underneath. Copying the
    flag down makes POST /api/auth/token/ answer 429 like the login page, not a plain 400."""
    inner = getattr(request, "_request", None)
    if inner is not None:
        inner.axes_locked_out = True
        inner.axes_credentials = getattr(request, "axes_credentials", None)


def connect_lockout_signal() -> None:
    from axes.signals import user_locked_out

    user_locked_out.connect(propagate_lockout, dispatch_uid="vconf.propagate_lockout")


# ------------------------------------------------------------------ the error path in the schema

ERROR_BODY = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
FIELD_ERRORS_BODY = {
    "type": "object",
    "description": '{"field": ["message"]}, or {"detail": "message"}',
    "additionalProperties": {},
}


def document_error_responses(result: dict, generator: object, request: object, public: bool) -> dict:
    """drf-spectacular postprocessing hook: the answers this error path gives to every operation,
    written into the schema once instead of in every view.

    - 401 wherever a credential is read (a wrong or expired token is refused on any such view);
    - 429 everywhere: the throttles, and the log-in lock-out on the token endpoint;
    - 400 and 404 wherever `?page=` is read (vconf/pagination.py);
    - an optional query parameter may be sent empty: vconf.fields reads "" as "not given", as
      HTML filter forms send it.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorDetail", ERROR_BODY)
    schemas.setdefault("FieldErrors", FIELD_ERRORS_BODY)

    def answer(description: str, schema: str) -> dict:
        return {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
        }

    unauthorized = answer("No credentials, or a wrong token", "ErrorDetail")
    too_many = answer("Too many requests or failed log-ins; Retry-After gives the seconds to wait", "ErrorDetail")
    bad_page = answer("A bad query parameter", "FieldErrors")
    past_last = answer("A page past the last one", "ErrorDetail")
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            parameters = operation.get("parameters", [])
            for parameter in parameters:
                if parameter.get("in") == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
            security = operation.get("security")
            if security and {} not in security:
                responses.setdefault("401", unauthorized)
            responses.setdefault("429", too_many)
            if any(p.get("in") == "query" and p.get("name") == "page" for p in parameters):
                responses.setdefault("400", bad_page)
                responses.setdefault("404", past_last)
    return result
