"""Writes of the analytics app: cost models (without rewriting history) and investments.

The history backfill lives in analytics/history.py.

History rule for cost models: a model that has valued a held meeting is frozen. It cannot be
edited or deleted, and no new model may take over a stretch of time in which meetings were held,
because either would silently change what past reports said. Rates change by adding a new
version from a date after the last held meeting it would value ("new version from date").
"""

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.models import CostModel, Investment
from analytics.savings_math import MODEL_RATES
from rooms.models import Level, Meeting, MeetingStatus
from vconf import clock

# What a person edits on a cost model: where and when it applies, its source, and its rates.
EDITABLE_FIELDS = ["province_code", "effective_from", "source", "notes", *MODEL_RATES]


def hosted_in_province(code: str) -> Q:
    """Meetings whose host endpoint sits in this province (its unit, or one or two levels below)."""
    return (
        Q(host__unit__code=code, host__unit__level=Level.PROVINCE)
        | Q(host__unit__parent__code=code, host__unit__parent__level=Level.PROVINCE)
        | Q(host__unit__parent__parent__code=code, host__unit__parent__parent__level=Level.PROVINCE)
    )


def local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def meetings_valued_by(
    *, province_code: str, effective_from: dt.date, exclude_pk: int | None = None
) -> QuerySet[Meeting]:
    """Held meetings a model of this province (blank: all) from this date would value, given the
    other models: from its date to the next model's date (from the beginning of time for the
    earliest all-province model, which also values what came before it)."""
    others = CostModel.objects.filter(province_code=province_code)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    following = others.filter(effective_from__gt=effective_from).order_by("effective_from").first()
    meetings = Meeting.objects.filter(status=MeetingStatus.SCHEDULED, end__lte=clock.now())
    earliest_nationwide = not province_code and not others.filter(effective_from__lt=effective_from).exists()
    if not earliest_nationwide:
        meetings = meetings.filter(start__gte=local_midnight(effective_from))
    if following is not None:
        meetings = meetings.filter(start__lt=local_midnight(following.effective_from))
    if province_code:
        meetings = meetings.filter(hosted_in_province(province_code))
    return meetings


def cost_model_in_use(model: CostModel) -> bool:
    """True once the model has valued a held meeting: from then on it is frozen."""
    if model.pk is None:
        return False
    return meetings_valued_by(
        province_code=model.province_code, effective_from=model.effective_from, exclude_pk=model.pk
    ).exists()


def check_cost_model_change(*, instance: CostModel | None, province_code: str, effective_from: dt.date) -> None:
    """Refuse a create, edit or delete that would change how a held meeting was valued."""
    if instance is not None and instance.pk is not None and cost_model_in_use(instance):
        message = _(
            "Mô hình này đã dùng để tính các cuộc họp đã tổ chức nên không sửa được; "
            "hãy tạo phiên bản mới từ một ngày sau đó."
        )
        raise ValidationError({"effective_from": [message]})
    exclude = instance.pk if instance is not None else None
    taken = meetings_valued_by(province_code=province_code, effective_from=effective_from, exclude_pk=exclude)
    last = taken.order_by("-start").first()
    if last is not None:
        message = _(
            "Từ ngày này mô hình sẽ tính lại %(n)s cuộc họp đã tổ chức (gần nhất: %(day)s). "
            "Chọn ngày hiệu lực sau ngày đó."
        ) % {"n": taken.count(), "day": timezone.localtime(last.start).date().isoformat()}
        raise ValidationError({"effective_from": [message]})


@transaction.atomic
def create_cost_model(*, created_by: User | None, **fields: Any) -> CostModel:
    check_cost_model_change(
        instance=None, province_code=fields.get("province_code", ""), effective_from=fields["effective_from"]
    )
    model = CostModel(created_by=created_by if getattr(created_by, "pk", None) else None, **fields)
    model.full_clean()
    model.save()
    return model


@transaction.atomic
def update_cost_model(*, model: CostModel, **fields: Any) -> CostModel:
    check_cost_model_change(
        instance=model,
        province_code=fields.get("province_code", model.province_code),
        effective_from=fields.get("effective_from", model.effective_from),
    )
    for name, value in fields.items():
        setattr(model, name, value)
    model.full_clean()
    model.save()
    return model


@transaction.atomic
def delete_cost_model(*, model: CostModel) -> None:
    if cost_model_in_use(model):
        raise ValidationError({"effective_from": [_("Mô hình này đã dùng để tính các cuộc họp đã tổ chức.")]})
    model.delete()


def new_version_initial(model: CostModel) -> dict:
    """The rates of a model, to start its next version from (the admin's "new version from date")."""
    initial = {name: getattr(model, name) for name in EDITABLE_FIELDS}
    initial["effective_from"] = timezone.localdate(clock.now()) + dt.timedelta(days=1)
    return initial


@transaction.atomic
def create_investment(*, province_code: str, date: dt.date, amount_vnd: Any, description: str) -> Investment:
    investment = Investment(province_code=province_code, date=date, amount_vnd=amount_vnd, description=description)
    investment.full_clean()
    investment.save()
    return investment
