"""Serializer fields and query-parameter parsing shared by every API view.

Times without an offset are read as Asia/Ho_Chi_Minh (the current time zone) and every
response carries +07:00; dates outside MIN_YEAR–MAX_YEAR (vconf.limits) are refused with a message.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, overload

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from vconf.limits import MAX_YEAR, MIN_YEAR


def check_year(value: dt.date) -> None:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise serializers.ValidationError(
            _("Ngày phải trong khoảng năm %(lo)s–%(hi)s.") % {"lo": MIN_YEAR, "hi": MAX_YEAR}
        )


class BoundedDateTimeField(serializers.DateTimeField):
    def to_internal_value(self, value: dt.datetime | str) -> dt.datetime:
        result = super().to_internal_value(value)
        check_year(result)
        return result


class BoundedDateField(serializers.DateField):
    def to_internal_value(self, value: dt.date | str) -> dt.date:
        result = super().to_internal_value(value)
        check_year(result)
        return result


class StrictCharField(serializers.CharField):
    """A text field that takes text only: DRF's own turns `0` or `1.5` into "0" and "1.5",
    accepting bodies the schema (type: string) says are invalid (found by `make fuzz`)."""

    def to_internal_value(self, data: object) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """true or false only: DRF's own also takes "yes", 1 and "on", which the schema (type:
    boolean) says are invalid (found by `make fuzz`)."""

    def to_internal_value(self, data: object) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class ModelSerializer(serializers.ModelSerializer):
    """The project's base ModelSerializer: bounded dates and text-only text fields everywhere."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: BoundedDateTimeField,
        models.DateField: BoundedDateField,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
    }


def read_moment(raw: str) -> dt.datetime:
    """An ISO 8601 date (its midnight) or datetime, aware (no offset: the current time zone);
    ValidationError saying what is wrong."""
    try:
        value = parse_datetime(raw)
        if value is None and (day := parse_date(raw)) is not None:
            value = dt.datetime.combine(day, dt.time())
    except ValueError:
        value = None
    if value is None:
        raise ValidationError(_("Thời gian không hợp lệ, dùng ISO 8601."))
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationError(_("Ngày phải trong khoảng năm %(lo)s–%(hi)s.") % {"lo": MIN_YEAR, "hi": MAX_YEAR})
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _given(params: Mapping[str, str], name: str, required: bool) -> str | None:
    raw = params.get(name)
    if raw is None or raw == "":
        if required:
            raise serializers.ValidationError({name: [_("Bắt buộc.")]})
        return None
    return raw


def query_datetime(params: Mapping[str, str], name: str, *, required: bool = False) -> dt.datetime | None:
    """Read an ISO 8601 date or datetime from query parameters; 400 naming the parameter if bad."""
    raw = _given(params, name, required)
    if raw is None:
        return None
    try:
        return read_moment(raw)
    except ValidationError as error:
        raise serializers.ValidationError({name: error.messages}) from None


@overload
def query_choice(params: Mapping[str, str], name: str, choices: Sequence[str], default: str) -> str: ...
@overload
def query_choice(params: Mapping[str, str], name: str, choices: Sequence[str], default: None = None) -> str | None: ...
def query_choice(
    params: Mapping[str, str], name: str, choices: Sequence[str], default: str | None = None
) -> str | None:
    raw = params.get(name) or default
    if raw is not None and raw not in choices:
        raise serializers.ValidationError({name: [_("Chọn một trong: %s") % ", ".join(choices)]})
    return raw


def query_int(
    params: Mapping[str, str], name: str, *, lo: int = 0, hi: int = 10**9, required: bool = False
) -> int | None:
    raw = _given(params, name, required)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise serializers.ValidationError({name: [_("Phải là số nguyên.")]}) from None
    if not lo <= value <= hi:
        raise serializers.ValidationError({name: [_("Phải trong khoảng %(lo)s–%(hi)s.") % {"lo": lo, "hi": hi}]})
    return value


# --- query serializers: query strings parsed into typed values -----------------------------------


class QuerySerializer(serializers.Serializer):
    """Parses a query string. A parameter sent empty counts as not sent, as HTML filter forms send it."""

    def to_internal_value(self, data: Any) -> dict:
        given = {key: data.get(key) for key in data if data.get(key) not in (None, "")}
        return super().to_internal_value(given)


# The schema says string: a date alone is accepted too (drf-spectacular cannot infer a plain Field).
@extend_schema_field(OpenApiTypes.STR)
class QueryDateTimeField(serializers.Field):
    """An ISO 8601 date or datetime (no offset: Asia/Ho_Chi_Minh), in 2000–2100. With
    `day_end=True` a date alone means the end of that day, so `end=2025-12-31` includes it."""

    def __init__(self, *, day_end: bool = False, **kwargs: Any) -> None:
        self.day_end = day_end
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> dt.datetime:
        text = data if isinstance(data, str) else ""
        try:
            value = read_moment(text)
        except ValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        # A date alone is ten characters; a datetime is longer.
        if self.day_end and len(text) == 10:
            value += dt.timedelta(days=1)
        return value

    def to_representation(self, value: dt.datetime) -> str:
        return timezone.localtime(value).isoformat()


@extend_schema_field(OpenApiTypes.DATE)
class QueryDateField(serializers.Field):
    """An ISO 8601 date (a datetime gives its local date)."""

    def to_internal_value(self, data: Any) -> dt.date:
        return timezone.localtime(QueryDateTimeField().to_internal_value(data)).date()

    def to_representation(self, value: dt.date) -> str:
        return value.isoformat()


class QueryChoiceField(serializers.ChoiceField):
    def __init__(self, choices: list[str], **kwargs: Any) -> None:
        super().__init__(choices, **kwargs)
        self.error_messages["invalid_choice"] = _("Chọn một trong: %s") % ", ".join(choices)
