"""Web pages of the rollout: the endpoints with their status and distance, one endpoint's history,
and the administrators' status change in a few clicks (the same service as the API)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rooms.ical import feed_url
from rooms.models import EndpointStatus, Role, Structure
from rooms.permissions import has_role, is_administrator
from rooms.selectors.endpoints import distances_for, endpoints_for_api, filter_endpoints
from rooms.selectors.meetings import endpoints_in_scope_of
from rooms.services.endpoints import change_endpoint_status
from vconf import clock
from vconf.auth import signed_in
from vconf.exceptions import validation_lines

PAGE_SIZE = 100


class StatusChangeForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Trạng thái mới"), choices=EndpointStatus.choices)
    effective = forms.DateField(
        label=gettext_lazy("Từ ngày"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Để trống: hôm nay. Bắt buộc khi lùi trạng thái."),
    )
    note = forms.CharField(label=gettext_lazy("Ghi chú"), required=False, max_length=200)


class EndpointFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Trạng thái"), required=False, choices=[("", "—"), *EndpointStatus.choices]
    )
    structure = forms.ChoiceField(
        label=gettext_lazy("Cây đơn vị"), required=False, choices=[("", "—"), *Structure.choices]
    )
    search = forms.CharField(label=gettext_lazy("Tìm"), required=False, max_length=100)


@login_required
def endpoint_list(request: HttpRequest) -> HttpResponse:
    filters = EndpointFilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    endpoints = filter_endpoints(
        endpoints_for_api().order_by("unit__structure", "unit__code", "name"),
        status=values.get("status") or None,
        structure=values.get("structure") or None,
        search=values.get("search") or None,
    )
    page = Paginator(endpoints, PAGE_SIZE).get_page(request.GET.get("page"))
    distances = distances_for([e.pk for e in page])
    rows = [(endpoint, *distances.get(endpoint.pk, (None, False))) for endpoint in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "rooms/endpoint_list.html",
        {
            "filters": filters,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "can_change": is_administrator(request.user),
            "status_form": StatusChangeForm(),
            "today": timezone.localtime(clock.now()).date(),
        },
    )


@login_required
def endpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = get_object_or_404(endpoints_for_api(), pk=pk)
    distance, estimated = distances_for([endpoint.pk]).get(endpoint.pk, (None, False))
    admin = is_administrator(request.user)
    operators = list(endpoint.operators.select_related("profile"))
    feed = None
    # Its operators, and the office staff who book it, subscribe to the room's calendar.
    staff = has_role(request.user, Role.STAFF) and bool(endpoints_in_scope_of(request.user, [endpoint.pk]))
    if admin or staff or any(user.pk == request.user.pk for user in operators):
        feed = feed_url(endpoint, request)
    return render(
        request,
        "rooms/endpoint_detail.html",
        {
            "endpoint": endpoint,
            "distance": distance,
            "estimated": estimated,
            "operators": operators,
            "history": list(endpoint.status_changes.select_related("changed_by__profile")),
            "can_change": admin,
            "status_form": StatusChangeForm(initial={"status": endpoint.status}),
            "feed": feed,
            "today": timezone.localtime(clock.now()).date(),
        },
    )


@login_required
def endpoint_change_status(request: HttpRequest, pk: int) -> HttpResponse:
    if not is_administrator(request.user):
        raise PermissionDenied
    endpoint = get_object_or_404(endpoints_for_api(), pk=pk)
    back = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    back = back or reverse("endpoint-page", args=[endpoint.pk])
    if request.method != "POST":
        return redirect(back)
    form = StatusChangeForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{endpoint}: {field}: {' '.join(str(e) for e in errors)}")
        return redirect(back)
    try:
        change = change_endpoint_status(
            endpoint=endpoint,
            status=form.cleaned_data["status"],
            effective=form.cleaned_data["effective"],
            by=signed_in(request),
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        for message in validation_lines(error):
            messages.error(request, f"{endpoint}: {message}")
        return redirect(back)
    if change is None:
        messages.info(request, _("%(name)s: trạng thái không đổi.") % {"name": endpoint})
    else:
        messages.success(
            request,
            _("%(name)s: %(status)s từ %(day)s.")
            % {"name": endpoint, "status": EndpointStatus(change.status).label, "day": change.effective.isoformat()},
        )
    return redirect(back)
