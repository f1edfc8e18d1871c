"""What the API documents the same way everywhere: refusals, and the actions of a guarded resource."""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.serializers import Serializer

FIELD_ERRORS = OpenApiResponse(description='Refused, with a message per field: {"field": ["message"]}')
ADMINISTRATORS_ONLY = OpenApiResponse(description="Administrators only")
READERS_READ_ADMINISTRATORS_WRITE = OpenApiResponse(
    description="Leaders, office staff and administrators read; administrators write"
)


def guarded_resource_docs(
    serializer: type[Serializer],
    *,
    forbidden: OpenApiResponse,
    not_found: OpenApiResponse,
    list_refuses_filters: bool = False,
    **summaries: str | tuple[str, str],
) -> Any:
    """extend_schema_view for a viewset whose every action may answer 403 `forbidden`.

    `summaries` names the actions the viewset has (list, retrieve, create, partial_update, destroy): each
    a summary, or a (summary, description) pair. A list answers 400 only if `list_refuses_filters`.
    """
    list_answers: dict[int, Any] = {200: serializer(many=True)}
    if list_refuses_filters:
        list_answers[400] = FIELD_ERRORS
    answers: dict[str, dict[int, Any]] = {
        "list": {**list_answers, 403: forbidden},
        "retrieve": {200: serializer, 403: forbidden, 404: not_found},
        "create": {201: serializer, 400: FIELD_ERRORS, 403: forbidden},
        "partial_update": {200: serializer, 400: FIELD_ERRORS, 403: forbidden, 404: not_found},
        "destroy": {204: None, 400: FIELD_ERRORS, 403: forbidden, 404: not_found},
    }
    schemas = {}
    for name, text in summaries.items():
        summary, description = text if isinstance(text, tuple) else (text, None)
        schemas[name] = extend_schema(summary=summary, description=description, responses=answers[name])
    return extend_schema_view(**schemas)
