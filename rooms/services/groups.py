"""Endpoint groups: named selections of rooms that office staff save once and book in one tick.

Staff see and use the groups whose every room they may book; whoever made a group (or an
administrator) may rename it, change its rooms or delete it.
"""

from collections.abc import Collection

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from rooms.models import Endpoint, EndpointGroup, Role
from rooms.permissions import has_role, is_administrator
from rooms.selectors.meetings import endpoints_in_scope_of


def require_group_editor(user: User, group: EndpointGroup | None = None) -> None:
    if not has_role(user, Role.STAFF):
        raise PermissionDenied(_("Chỉ văn phòng và quản trị được quản lý nhóm điểm cầu."))
    if group is not None and group.owner_id != user.pk and not is_administrator(user):
        raise PermissionDenied(_("Chỉ người tạo nhóm (hoặc quản trị) được sửa hay xóa nhóm này."))


def clean_group(*, user: User, name: str, endpoints: Collection[Endpoint], exclude: int | None) -> str:
    name = " ".join(name.split())
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Nhóm cần có tên.")]
    elif EndpointGroup.objects.filter(name__iexact=name).exclude(pk=exclude or 0).exists():
        errors["name"] = [_("Đã có nhóm tên “%(name)s”.") % {"name": name}]
    if not endpoints:
        errors["endpoints"] = [_("Chọn ít nhất một điểm cầu cho nhóm.")]
    if errors:
        raise ValidationError(errors)
    allowed = endpoints_in_scope_of(user, [e.pk for e in endpoints])
    outside = sorted(e.name for e in endpoints if e.pk not in allowed)
    if outside:
        raise PermissionDenied(_("Ngoài phạm vi đơn vị của bạn: %(names)s.") % {"names": ", ".join(outside)})
    return name


@transaction.atomic
def create_group(*, user: User, name: str, endpoints: Collection[Endpoint]) -> EndpointGroup:
    require_group_editor(user)
    group = EndpointGroup(name=clean_group(user=user, name=name, endpoints=endpoints, exclude=None), owner=user)
    save_group(group, endpoints)
    return group


@transaction.atomic
def update_group(
    *, user: User, group: EndpointGroup, name: str | None = None, endpoints: Collection[Endpoint] | None
) -> EndpointGroup:
    require_group_editor(user, group)
    if endpoints is None:
        endpoints = list(group.endpoints.all())
    group.name = clean_group(
        user=user, name=group.name if name is None else name, endpoints=endpoints, exclude=group.pk
    )
    save_group(group, endpoints)
    return group


def save_group(group: EndpointGroup, endpoints: Collection[Endpoint]) -> None:
    try:
        # A savepoint: two offices saving the same name at once get a 400, not a broken transaction.
        with transaction.atomic():
            group.save()
    except IntegrityError as error:
        raise ValidationError({"name": [_("Đã có nhóm tên “%(name)s”.") % {"name": group.name}]}) from error
    group.endpoints.set(endpoints)


@transaction.atomic
def delete_group(*, user: User, group: EndpointGroup) -> None:
    require_group_editor(user, group)
    group.delete()
