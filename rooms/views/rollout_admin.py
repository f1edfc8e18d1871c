"""Django admin pieces of the rollout (registered in rooms/admin.py): status changes go through
change_endpoint_status, so the history and Endpoint.status never disagree."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rooms.models import Endpoint, EndpointStatus, StatusChange, Unit
from rooms.services.endpoints import change_endpoint_status, start_endpoint_history, today
from rooms.services.units import in_vietnam
from vconf.auth import signed_in
from vconf.exceptions import validation_lines

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

Action = Callable[[admin.ModelAdmin, HttpRequest, QuerySet[Endpoint]], None]


class UnitForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["structure", "code", "name", "level", "parent", "lat", "lon", "especially_difficult", "absorbed"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        lat, lon = data.get("lat"), data.get("lon")
        if (lat is None) != (lon is None):
            self.add_error("lat", _("Cần cả vĩ độ và kinh độ, hoặc để trống cả hai."))
        elif lat is not None and lon is not None and not in_vietnam(lat, lon):
            self.add_error("lat", _("Tọa độ (%(lat)s, %(lon)s) nằm ngoài Việt Nam.") % {"lat": lat, "lon": lon})
        return data


class StatusChangeFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            effective = form.cleaned_data.get("effective") if hasattr(form, "cleaned_data") else None
            if form.instance.pk is None and effective and effective > today():
                form.add_error("effective", _("Ngày hiệu lực không được ở tương lai."))


class StatusChangeInline(admin.TabularInline):
    """The history: past entries read-only (an audit trail), new ones added through the service."""

    model = StatusChange
    formset = StatusChangeFormSet
    fields = ["effective", "status", "note", "changed_by", "recorded_at"]
    readonly_fields = ["changed_by", "recorded_at"]
    extra = 0
    can_delete = False
    ordering = ["effective", "id"]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


def _mark(status: str, description: "StrOrPromise") -> Action:
    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        changed = 0
        for endpoint in queryset:
            try:
                if change_endpoint_status(endpoint=endpoint, status=status, effective=None, by=signed_in(request)):
                    changed += 1
            except ValidationError as error:
                modeladmin.message_user(request, f"{endpoint}: {' '.join(validation_lines(error))}", messages.ERROR)
        modeladmin.message_user(request, _("Đã đổi trạng thái %s điểm cầu.") % changed, messages.SUCCESS)

    action.__name__ = f"mark_{status}"
    return admin.action(description=description)(action)


class EndpointAdminMixin(admin.ModelAdmin):
    actions = [
        _mark(EndpointStatus.PILOT, gettext_lazy("Chuyển sang thí điểm từ hôm nay")),
        _mark(EndpointStatus.IN_SERVICE, gettext_lazy("Chuyển sang đang hoạt động từ hôm nay")),
        _mark(EndpointStatus.RETIRED, gettext_lazy("Ngừng sử dụng từ hôm nay")),
    ]

    def save_model(self, request: HttpRequest, obj: Endpoint, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            start_endpoint_history(endpoint=obj, by=signed_in(request))

    def save_formset(
        self, request: HttpRequest, form: forms.ModelForm, formset: forms.BaseInlineFormSet, change: bool
    ) -> None:
        if formset.model is not StatusChange:
            return super().save_formset(request, form, formset, change)
        for entry in sorted(formset.save(commit=False), key=lambda e: e.effective):
            change_endpoint_status(
                endpoint=form.instance,
                status=entry.status,
                effective=entry.effective,
                by=signed_in(request),
                note=entry.note,
            )
        return None
