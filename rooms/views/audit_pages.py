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
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rooms.permissions import is_administrator
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
        entries = (
            entries.filter(object_pk=needle) if needle.isdigit() else entries.filter(object_repr__icontains=needle)
        )
    return entries


@dataclass
class Change:
    field: str
    before: str
    after: str


def model_label(entry: LogEntry) -> str:
    model = entry.content_type.model_class()
    return str(model._meta.verbose_name).capitalize() if model else entry.content_type.model


def field_label(entry: LogEntry, name: str) -> str:
    model = entry.content_type.model_class()
    try:
        field = model._meta.get_field(name) if model else None
    except FieldDoesNotExist:
        return name
    # Reverse relations have no verbose name of their own.
    return str(getattr(field, "verbose_name", name))


def changes_of(entry: LogEntry) -> list[Change]:
    """The entry's changes as rows; many-to-many changes (operators, groups) read as +/- lists."""
    raw = entry.changes
    if isinstance(raw, str):  # older auditlog rows kept the changes as JSON text
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = {}
    rows = []
    for name, values in (raw or {}).items():
        label = field_label(entry, name)
        if isinstance(values, dict) and values.get("type") == "m2m":
            sign = "+" if values.get("operation") == "add" else "−"
            rows.append(Change(label, "", f"{sign} {', '.join(str(o) for o in values.get('objects', []))}"))
        elif isinstance(values, list | tuple) and len(values) == 2:
            before, after = ("" if v in (None, "None") else str(v) for v in values)
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
    rows = [
        (entry, model_label(entry), labels.get(str(entry.action), entry.get_action_display()), changes_of(entry))
        for entry in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "rows": rows, "query": query.urlencode()}
    return render(request, "rooms/audit_log.html", context)
