"""The administrators' audit page: who changed what, when (django-auditlog's entries)."""

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, cast

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rooms.models import CheckIn, Participation, StatusChange
from rooms.permissions import is_administrator
from vconf.folding import matching
from vconf.limits import MAX_YEAR, MIN_YEAR

PAGE_SIZE = 50

ACTIONS = [
    (str(LogEntry.Action.CREATE), gettext_lazy("Tạo")),
    (str(LogEntry.Action.UPDATE), gettext_lazy("Sửa")),
    (str(LogEntry.Action.DELETE), gettext_lazy("Xóa")),
]


def audited_content_types() -> list[ContentType]:
    """The content types of every registered model, in a stable order for the filter list."""
    types = ContentType.objects.get_for_models(*auditlog.get_models())
    return sorted(types.values(), key=lambda ct: (ct.app_label, ct.model))


DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AuditFilterForm(forms.Form):
    model = forms.ChoiceField(label=gettext_lazy("Đối tượng"), required=False)
    user = forms.CharField(label=gettext_lazy("Người thực hiện"), required=False, max_length=150)
    action = forms.ChoiceField(label=gettext_lazy("Thao tác"), required=False)
    start = forms.DateField(
        label=gettext_lazy("Từ ngày"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=gettext_lazy("Đến ngày"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    object = forms.CharField(label=gettext_lazy("Mã hoặc tên bản ghi"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["model"]).choices = [("", _("Tất cả"))] + [
            (f"{ct.app_label}.{ct.model}", str(ct.name).capitalize()) for ct in audited_content_types()
        ]
        cast(forms.ChoiceField, self.fields["action"]).choices = [("", _("Tất cả")), *ACTIONS]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start"), data.get("end")
        for name in ("start", "end"):
            value = data.get(name)
            if value and not MIN_YEAR <= value.year <= MAX_YEAR:
                self.add_error(name, _("Ngày phải trong khoảng năm %(lo)s–%(hi)s.") % {"lo": MIN_YEAR, "hi": MAX_YEAR})
        if start and end and end < start:
            self.add_error("end", _("Ngày kết thúc phải sau ngày bắt đầu."))
        return data


def local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def filtered_entries(data: dict) -> QuerySet[LogEntry]:
    """The entries matching the valid filters, newest first."""
    entries = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-id")
    if data.get("model"):
        app_label, model = data["model"].split(".", 1)
        entries = entries.filter(content_type__app_label=app_label, content_type__model=model)
    if data.get("user"):
        entries = entries.filter(actor__username__iexact=data["user"].strip())
    if data.get("action") not in (None, ""):
        entries = entries.filter(action=int(data["action"]))
    if data.get("start"):
        entries = entries.filter(timestamp__gte=local_midnight(data["start"]))
    if data.get("end"):
        entries = entries.filter(timestamp__lt=local_midnight(data["end"] + dt.timedelta(days=1)))
    if needle := (data.get("object") or "").strip():
        entries = entries.filter(object_pk=needle) if needle.isdigit() else matching(entries, needle, ["object_repr"])
    return entries


@dataclass
class Change:
    field: str
    before: str
    after: str


def model_label(entry: LogEntry) -> str:
    model = entry.content_type.model_class()
    return str(model._meta.verbose_name).capitalize() if model else entry.content_type.model


def shown_field(entry: LogEntry, name: str) -> models.Field | None:
    """The model field a change is about, or None when it says nothing to a reader: the id
    (shown as #pk already) and reverse relations, which auditlog writes as "rooms.Participation.None"."""
    model = entry.content_type.model_class()
    try:
        field = model._meta.get_field(name) if model else None
    except FieldDoesNotExist:
        return None
    if field is None or field.auto_created or not hasattr(field, "verbose_name"):
        return None
    return field


def local_time(when: dt.datetime) -> str:
    """Hanoi time to the second with its offset, e.g. "02/03/2026 08:00:00 +07:00"."""
    local = timezone.localtime(when)
    offset = local.strftime("%z")
    return f"{local:%d/%m/%Y %H:%M:%S} {offset[:3]}:{offset[3:]}"


class Values:
    """Turns auditlog's stored text into what a reader understands: local times, labels of
    choices, "có"/"không", and the names of related records (looked up once per page)."""

    def __init__(self) -> None:
        self.names: dict[tuple[type[models.Model], str], str] = {}

    def prefetch(self, pairs: set[tuple[type[models.Model], str]]) -> None:
        by_model: dict[type[models.Model], set[str]] = {}
        for model, pk in pairs:
            by_model.setdefault(model, set()).add(pk)
        for model, pks in by_model.items():
            valid = [pk for pk in pks if pk.isdigit() and len(pk) < 18]
            for pk, obj in model._default_manager.in_bulk([int(pk) for pk in valid]).items():
                self.names[(model, str(pk))] = str(obj)

    def show(self, field: models.Field, raw: str) -> str:
        if raw in ("", "None"):
            return ""
        if field.is_relation and isinstance(field.related_model, type):
            return self.names.get((field.related_model, raw), f"#{raw}")
        if field.choices:
            return str(dict(field.flatchoices).get(raw, raw))
        if isinstance(field, models.BooleanField):
            return _("có") if raw == "True" else _("không")
        if isinstance(field, models.DateTimeField) and (when := parse_datetime(raw)):
            # auditlog writes UTC without the offset.
            return local_time(when if timezone.is_aware(when) else when.replace(tzinfo=dt.UTC))
        if isinstance(field, models.DateField) and (day := parse_date(raw)):
            return f"{day:%d/%m/%Y}"
        return raw


# Rows whose __str__ is made of ids ("6 in 1"): the page names them by their room and meeting.
LINK_ROWS = {
    CheckIn: lambda r: f"{r.get_kind_display()} · {r.endpoint} · {r.meeting}",
    Participation: lambda r: f"{r.endpoint} · {r.meeting}",
    StatusChange: lambda r: f"{r.endpoint} · {r.get_status_display()} · {r.effective:%d/%m/%Y}",
}


def object_names(entries: list[LogEntry]) -> dict[int, str]:
    """Readable names of the page's check-ins, participations and status changes that still
    exist, by entry id; the others keep the text auditlog stored."""
    names = {}
    for model, describe in LINK_ROWS.items():
        mine = [e for e in entries if e.content_type.model_class() is model and e.object_pk.isdigit()]
        if not mine:
            continue
        related = [f.name for f in model._meta.concrete_fields if f.name in ("endpoint", "meeting")]
        rows = model._default_manager.select_related(*related).in_bulk([int(e.object_pk) for e in mine])
        for entry in mine:
            if row := rows.get(int(entry.object_pk)):
                names[entry.pk] = describe(row)
    return names


def raw_changes(entry: LogEntry) -> dict:
    raw = entry.changes
    if isinstance(raw, str):  # older auditlog rows kept the changes as JSON text
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = {}
    return raw or {}


def related_keys(entries: list[LogEntry]) -> set[tuple[type[models.Model], str]]:
    pairs: set[tuple[type[models.Model], str]] = set()
    for entry in entries:
        for name, values in raw_changes(entry).items():
            field = shown_field(entry, name)
            model = field.related_model if field is not None else None
            if isinstance(model, type) and isinstance(values, list | tuple):
                pairs.update((model, str(v)) for v in values if v not in (None, "None", ""))
    return pairs


def changes_of(entry: LogEntry, values: Values | None = None) -> list[Change]:
    """The entry's changes as rows; many-to-many changes (operators, groups) read as +/- lists."""
    values = values or Values()
    rows = []
    for name, change in raw_changes(entry).items():
        field = shown_field(entry, name)
        if field is None:
            continue
        label = str(field.verbose_name)
        if isinstance(change, dict) and change.get("type") == "m2m":
            sign = "+" if change.get("operation") == "add" else "−"
            rows.append(Change(label, "", f"{sign} {', '.join(str(o) for o in change.get('objects', []))}"))
        elif isinstance(change, list | tuple) and len(change) == 2:
            before, after = (values.show(field, "None" if v is None else str(v)) for v in change)
            if entry.action == LogEntry.Action.CREATE:
                # A new record: its values are what matters, and the empty ones say nothing.
                if after:
                    rows.append(Change(label, "", after))
            else:
                rows.append(Change(label, before or "∅", after or "∅"))
    return rows


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    if not is_administrator(request.user):
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None)
    # Invalid filters are shown with their error and ignored; the valid ones still apply.
    data: dict = {}
    if form.is_bound:
        form.is_valid()
        data = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    page = Paginator(filtered_entries(data), PAGE_SIZE).get_page(request.GET.get("page"))
    labels = dict(ACTIONS)
    entries = list(page.object_list)
    values = Values()
    values.prefetch(related_keys(entries))
    names = object_names(entries)
    rows = [
        (
            entry,
            local_time(entry.timestamp),
            model_label(entry),
            names.get(entry.pk, entry.object_repr),
            labels.get(str(entry.action), entry.get_action_display()),
            changes_of(entry, values),
        )
        for entry in entries
    ]
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "rows": rows, "query": query.urlencode()}
    return render(request, "rooms/audit_log.html", context)
