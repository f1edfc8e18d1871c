"""Serializer fields and query-parameter parsing shared by every API view.

Times without an offset are read as Asia/Ho_Chi_Minh (the current time zone) and every
response carries +07:00; dates outside MIN_YEAR–MAX_YEAR (vconf.limits) are refused with a message.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import overload

from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
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


class ModelSerializer(serializers.ModelSerializer):
    """The project's base ModelSerializer: bounded dates and text-only text fields everywhere."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: BoundedDateTimeField,
        models.DateField: BoundedDateField,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
    }


def query_datetime(params: Mapping[str, str], name: str, *, required: bool = False) -> dt.datetime | None:
    """Read an ISO 8601 date or datetime from query parameters; 400 naming the parameter if bad."""
    raw = params.get(name)
    if raw is None or raw == "":
        if required:
            raise serializers.ValidationError({name: [_("Bắt buộc.")]})
        return None
    try:
        value = parse_datetime(raw)
        if value is None and (day := parse_date(raw)) is not None:
            value = dt.datetime.combine(day, dt.time())
    except ValueError:
        value = None
    if value is None:
        raise serializers.ValidationError({name: [_("Thời gian không hợp lệ, dùng ISO 8601.")]})
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise serializers.ValidationError(
            {name: [_("Ngày phải trong khoảng năm %(lo)s–%(hi)s.") % {"lo": MIN_YEAR, "hi": MAX_YEAR}]}
        )
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def query_date(params: Mapping[str, str], name: str, *, required: bool = False) -> dt.date | None:
    value = query_datetime(params, name, required=required)
    return timezone.localtime(value).date() if value else None


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
    raw = params.get(name)
    if raw is None or raw == "":
        if required:
            raise serializers.ValidationError({name: [_("Bắt buộc.")]})
        return None
    try:
        value = int(raw)
    except ValueError:
        raise serializers.ValidationError({name: [_("Phải là số nguyên.")]}) from None
    if not lo <= value <= hi:
        raise serializers.ValidationError({name: [_("Phải trong khoảng %(lo)s–%(hi)s.") % {"lo": lo, "hi": hi}]})
    return value
