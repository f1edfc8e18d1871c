"""Cost models and investments in the Django admin.

A cost model that has valued a held meeting is shown read-only and cannot be deleted; its page
offers "new version from date", an add form prefilled with its rates (services.py says why).
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics import services
from analytics.models import CostModel, Investment
from vconf.auth import signed_in
from vconf.exceptions import validation_lines, validation_messages
from vconf.params import int_or_none


class CostModelForm(forms.ModelForm):
    class Meta:
        model = CostModel
        fields = services.EDITABLE_FIELDS

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if "effective_from" in data and not self.errors:
            try:
                services.check_cost_model_change(
                    instance=self.instance if self.instance.pk else None,
                    province_code=data.get("province_code", ""),
                    effective_from=data["effective_from"],
                )
            except ValidationError as error:
                self.add_error(None, validation_messages(error).get("effective_from", validation_lines(error)))
        return data


@admin.register(CostModel)
class CostModelAdmin(admin.ModelAdmin):
    form = CostModelForm
    list_display = [
        "effective_from",
        "province_code",
        "per_diem_vnd",
        "transport_vnd_per_km",
        "lodging_vnd_per_night",
        "in_use",
        "source",
    ]
    list_filter = ["province_code"]
    search_fields = ["source", "notes"]
    ordering = ["province_code", "-effective_from"]

    @admin.display(boolean=True, description=gettext_lazy("Đã dùng (khóa)"))
    def in_use(self, model: CostModel) -> bool:
        return services.cost_model_in_use(model)

    @admin.display(description=gettext_lazy("Phiên bản mới"))
    def new_version(self, model: CostModel) -> str:
        url = reverse("admin:analytics_costmodel_add") + f"?copy_from={model.pk}"
        return format_html('<a class="button" href="{}">{}</a>', url, _("Tạo phiên bản mới từ ngày…"))

    def get_readonly_fields(self, request: HttpRequest, obj: CostModel | None = None) -> list[str]:
        if obj is not None and services.cost_model_in_use(obj):
            return [*services.EDITABLE_FIELDS, "new_version", "created_by", "created_at"]
        if obj is not None:
            return ["new_version", "created_by", "created_at"]
        return []

    def get_fields(self, request: HttpRequest, obj: CostModel | None = None) -> tuple[str, ...]:
        if obj is None:
            return tuple(services.EDITABLE_FIELDS)
        return ("new_version", *services.EDITABLE_FIELDS, "created_by", "created_at")

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        source = int_or_none(request.GET, "copy_from")
        if source and (model := CostModel.objects.filter(pk=source).first()):
            return services.new_version_initial(model)
        return super().get_changeform_initial_data(request)

    def has_delete_permission(self, request: HttpRequest, obj: CostModel | None = None) -> bool:
        if obj is not None and services.cost_model_in_use(obj):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: CostModel, form: forms.ModelForm, change: bool) -> None:
        if not change:
            obj.created_by = signed_in(request)
        super().save_model(request, obj, form, change)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CostModel]) -> None:
        # The bulk "delete selected" action obeys the same rule as the delete button.
        for model in queryset:
            try:
                services.delete_cost_model(model=model)
            except ValidationError:
                self.message_user(request, _("Không xóa %s: đã dùng để tính cuộc họp.") % model, messages.ERROR)


@admin.register(Investment)
class InvestmentAdmin(admin.ModelAdmin):
    list_display = ["date", "province_code", "amount_vnd", "description"]
    list_filter = ["province_code"]
    search_fields = ["description"]
    ordering = ["province_code", "date"]
