"""Reads about endpoint groups: those a user may book with, and the rooms behind group ids."""

from collections.abc import Collection, Iterable

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from rooms.models import Endpoint, EndpointGroup, Level
from rooms.permissions import User, endpoints_in_scope, home_unit, is_administrator
from vconf.params import ids_in


def groups_for(user: User) -> QuerySet[EndpointGroup]:
    """The groups whose every room this user may book (administrators: all), rooms prefetched."""
    groups = EndpointGroup.objects.select_related("owner", "owner__profile").prefetch_related(
        Prefetch("endpoints", queryset=Endpoint.objects.only("pk", "name", "status").order_by("name"))
    )
    home = home_unit(user)
    # The country's office may book every room (its subtree is the whole network).
    if is_administrator(user) or home is None or home.level == Level.COUNTRY:
        return groups
    outside = Endpoint.objects.exclude(pk__in=endpoints_in_scope(user).values("pk"))
    return groups.exclude(endpoints__in=outside)


def endpoints_of_groups(ids: Collection[int]) -> list[Endpoint]:
    """Every room of these groups (the booking's scope rule then judges them); 400 for an unknown id."""
    groups = EndpointGroup.objects.filter(pk__in=ids).prefetch_related("endpoints")
    found = {g.pk: g for g in groups}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ValidationError(
            {"groups": [_("Không có nhóm điểm cầu mã %(ids)s.") % {"ids": ", ".join(str(pk) for pk in missing)}]}
        )
    rooms: dict[int, Endpoint] = {}
    for pk in ids:
        for endpoint in found[pk].endpoints.all():
            rooms.setdefault(endpoint.pk, endpoint)
    return list(rooms.values())


def group_choices(*, user: User, checked: Iterable[str]) -> list[EndpointGroup]:
    """The booking form's group ticks: the user's groups, those ticked before marked `checked`."""
    ticked = set(ids_in(checked))
    groups = list(groups_for(user))
    for group in groups:
        group.checked = group.pk in ticked  # type: ignore[attr-defined]  # read by the template
    return groups


def rooms_of_ticked_groups(*, user: User, checked: Iterable[str]) -> list[Endpoint]:
    """The rooms of the groups ticked in a form, among those the user may use (others are ignored)."""
    ids = ids_in(checked)
    if not ids:
        return []
    return list(Endpoint.objects.filter(groups__in=groups_for(user).filter(pk__in=ids).values("pk")).distinct())
