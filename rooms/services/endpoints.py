"""Endpoints, their rollout status over time, and bridges: every write that carries a rule.

An endpoint's status history is a list of dated StatusChanges; Endpoint.status and status_since
are a copy of what the history says today, kept for fast filtering and booking checks.
"""

import datetime as dt
from collections.abc import Collection
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rooms.models import Bridge, Connection, Endpoint, EndpointStatus, Role, StatusChange, Structure, TravelMode, Unit
from rooms.models.endpoints import new_feed_token
from rooms.permissions import can_operate, has_role
from rooms.services.bridge_moves import lock_bridge_move, refuse_breaking_bridge_move
from rooms.services.legacy_units import served_legacy_units, set_legacy_units
from vconf import clock
from vconf.limits import MAX_PEOPLE, MAX_ROAD_KM, MAX_YEAR, MIN_YEAR

# The rollout goes forward in this order; a step back (in service -> pilot, retired -> in service)
# is usually a correction of history, so it needs an explicit date.
STATUS_ORDER: dict[str, int] = {
    EndpointStatus.PLANNED: 0,
    EndpointStatus.PILOT: 1,
    EndpointStatus.IN_SERVICE: 2,
    EndpointStatus.RETIRED: 3,
}
EDITABLE_FIELDS = (
    *("name", "unit", "legacy_unit", "seats", "dial_address", "aliases", "connection", "bridge"),
    *("road_km", "travel_mode", "fare_vnd"),
)


def today() -> dt.date:
    return timezone.localtime(clock.now()).date()


def check_endpoint(endpoint: Endpoint) -> None:
    """The rules of one endpoint, as 400 messages on its fields."""
    errors: dict[str, list[str]] = {}
    endpoint.name = " ".join((endpoint.name or "").split())
    if not endpoint.name:
        errors["name"] = [_("Bắt buộc.")]
    elif (
        endpoint.unit_id
        and Endpoint.objects.filter(unit_id=endpoint.unit_id, name__iexact=endpoint.name)
        .exclude(pk=endpoint.pk)
        .exists()
    ):
        errors["name"] = [_("Đơn vị này đã có điểm cầu tên “%s”.") % endpoint.name]
    if endpoint.seats is None or not 1 <= endpoint.seats <= MAX_PEOPLE:
        errors["seats"] = [_("Số chỗ ngồi phải từ 1 đến %s.") % MAX_PEOPLE]
    if endpoint.road_km is not None and not 0 <= Decimal(endpoint.road_km) <= MAX_ROAD_KM:
        errors["road_km"] = [_("Quãng đường phải từ 0 đến %s km.") % MAX_ROAD_KM]
    if endpoint.legacy_unit is not None and endpoint.legacy_unit.structure != Structure.LEGACY:
        errors["legacy_unit"] = [_("Đơn vị cũ phải thuộc cây trước 7/2025.")]
    if endpoint.legacy_unit_id and endpoint.legacy_unit_id == endpoint.unit_id:
        errors["legacy_unit"] = [_("Đơn vị cũ trùng với đơn vị hiện tại.")]
    if endpoint.connection not in Connection.values:
        errors["connection"] = [_("Chọn một trong: %s.") % ", ".join(Connection.values)]
    if errors:
        raise ValidationError(errors)
    endpoint.full_clean(exclude=["status", "status_since"])


def check_operators(operators: Collection[User]) -> None:
    """Only a user with the operator role may be listed: check-in (rooms/services/attendance.py)
    refuses anyone else, so a listing would promise what it cannot give."""
    refused = sorted(user.get_username() for user in operators if not has_role(user, Role.OPERATOR))
    if refused:
        message = _("Không có vai trò kỹ thuật viên: %(users)s. Gán vai trò trước khi giao điểm cầu.") % {
            "users": ", ".join(refused)
        }
        raise ValidationError({"operators": [message]})


def check_effective(effective: dt.date) -> None:
    if not MIN_YEAR <= effective.year <= MAX_YEAR:
        raise ValidationError(
            {"status_since": [_("Ngày phải trong khoảng năm %(lo)s–%(hi)s.") % {"lo": MIN_YEAR, "hi": MAX_YEAR}]}
        )
    if effective > today():
        raise ValidationError({"status_since": [_("Ngày hiệu lực không được ở tương lai.")]})


@transaction.atomic
def create_endpoint(
    *,
    by: User | None,
    name: str,
    unit: Unit,
    legacy_unit: Unit | None = None,
    legacy_units: Collection[Unit] | None = None,
    seats: int = 20,
    dial_address: str = "",
    aliases: Collection[str] = (),
    connection: str = Connection.GOVERNMENT_NETWORK,
    bridge: Bridge | None = None,
    road_km: Decimal | None = None,
    travel_mode: str = TravelMode.ROAD,
    fare_vnd: Decimal | None = None,
    operators: Collection[User] = (),
    status: str = EndpointStatus.PLANNED,
    status_since: dt.date | None = None,
    note: str = "",
) -> Endpoint:
    if status not in EndpointStatus.values:
        raise ValidationError({"status": [_("Chọn một trong: %s.") % ", ".join(EndpointStatus.values)]})
    effective = status_since or today()
    check_effective(effective)
    check_operators(operators)
    legacy_unit, served = served_legacy_units(unit=unit, legacy_unit=legacy_unit, legacy_units=legacy_units)
    endpoint = Endpoint(
        name=name,
        unit=unit,
        legacy_unit=legacy_unit,
        seats=seats,
        dial_address=dial_address,
        aliases=list(aliases),
        connection=connection,
        bridge=bridge,
        road_km=road_km,
        travel_mode=travel_mode,
        fare_vnd=fare_vnd,
        status=status,
        status_since=effective,
    )
    check_endpoint(endpoint)
    endpoint.save()
    set_legacy_units(endpoint, served)
    if operators:
        endpoint.operators.set(operators)
    StatusChange.objects.create(endpoint=endpoint, status=status, effective=effective, changed_by=by, note=note[:200])
    return endpoint


@transaction.atomic
def update_endpoint(
    *,
    endpoint: Endpoint,
    by: User | None,
    operators: Collection[User] | None = None,
    status: str | None = None,
    status_since: dt.date | None = None,
    note: str = "",
    legacy_units: Collection[Unit] | None = None,
    **fields: object,
) -> Endpoint:
    """Change an endpoint's details; a status (with an optional effective date) goes through
    change_endpoint_status so the history records it."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Không sửa được trường này.")] for name in sorted(unknown)})
    if status_since is not None and status is None:
        raise ValidationError({"status": [_("Gửi kèm trạng thái khi ghi ngày hiệu lực.")]})
    if operators is not None:
        check_operators(operators)
    if "bridge" in fields:
        # The booking's locks first (bridges, then the room): a booking cannot slip in meanwhile.
        old_bridge_id: int | None = Endpoint.objects.filter(pk=endpoint.pk).values_list("bridge_id", flat=True).get()
        lock_bridge_move(
            endpoint_id=endpoint.pk, old_bridge_id=old_bridge_id, new_bridge_id=getattr(fields["bridge"], "pk", None)
        )
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    old_bridge_id = endpoint.bridge_id
    moved = "unit" in fields and getattr(fields["unit"], "pk", None) != endpoint.unit_id
    for name, value in fields.items():
        setattr(endpoint, name, value)
    served = None
    if legacy_units is not None or "legacy_unit" in fields or moved:
        # A new unit with no legacy unit named serves what the new unit absorbed.
        legacy = endpoint.legacy_unit if "legacy_unit" in fields else None
        endpoint.legacy_unit, served = served_legacy_units(
            unit=endpoint.unit, legacy_unit=legacy, legacy_units=legacy_units
        )
    check_endpoint(endpoint)
    refuse_breaking_bridge_move(endpoint, old_bridge_id=old_bridge_id)
    endpoint.save()
    if served is not None:
        set_legacy_units(endpoint, served)
    if operators is not None:
        endpoint.operators.set(operators)
    if status is not None:
        change_endpoint_status(endpoint=endpoint, status=status, effective=status_since, by=by, note=note)
        endpoint.refresh_from_db(fields=["status", "status_since"])
    return endpoint


def history_of(endpoint: Endpoint) -> list[tuple[str, dt.date]]:
    return list(endpoint.status_changes.order_by("effective", "id").values_list("status", "effective"))


def status_on(history: list[tuple[str, dt.date]], day: dt.date) -> str | None:
    """The status in force on a day: the last change on or before it (the later record of a day wins)."""
    current = None
    for status, effective in history:
        if effective > day:
            break
        current = status
    return current


def current_status(history: list[tuple[str, dt.date]]) -> tuple[str, dt.date | None]:
    """The latest status and since when it holds without a break (the first change of its last run)."""
    if not history:
        return EndpointStatus.PLANNED, None
    status, since = history[-1]
    for earlier, effective in reversed(history):
        if earlier != status:
            break
        since = effective
    return status, since


@transaction.atomic
def change_endpoint_status(
    *, endpoint: Endpoint, status: str, effective: dt.date | None, by: User | None, note: str = ""
) -> StatusChange | None:
    """Record that the endpoint has `status` from `effective` (today when None) and keep
    Endpoint.status/status_since equal to the latest change. Returns None when the status was
    already in force that day (nothing to record)."""
    if status not in EndpointStatus.values:
        raise ValidationError({"status": [_("Chọn một trong: %s.") % ", ".join(EndpointStatus.values)]})
    explicit = effective is not None
    effective = effective or today()
    check_effective(effective)
    # Lock the endpoint so two changes at once cannot both read the old history.
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    history = history_of(endpoint)
    if not history and endpoint.status_since:
        # An endpoint created before history was kept: its stored status becomes the first entry.
        StatusChange.objects.create(
            endpoint=endpoint, status=endpoint.status, effective=endpoint.status_since, note=_("Trạng thái ban đầu")
        )
        history = history_of(endpoint)
    before = status_on(history, effective)
    if before == status:
        return None
    if before is not None and not explicit and STATUS_ORDER[status] < STATUS_ORDER[before]:
        raise ValidationError(
            {
                "status_since": [
                    _("Trạng thái lùi từ “%(old)s” về “%(new)s”: cần ghi rõ ngày hiệu lực.")
                    % {"old": EndpointStatus(before).label, "new": EndpointStatus(status).label}
                ]
            }
        )
    change = StatusChange(endpoint=endpoint, status=status, effective=effective, changed_by=by, note=note[:200])
    change.full_clean()
    change.save()
    endpoint.status, endpoint.status_since = current_status(history_of(endpoint))
    endpoint.save(update_fields=["status", "status_since"])
    return change


@transaction.atomic
def rotate_feed_token(*, endpoint: Endpoint, by: User) -> Endpoint:
    """A new feed token for the endpoint: the old calendar link stops working at once. The feed's
    body does not carry the token, so the cached feed stays valid."""
    if not can_operate(by, endpoint):
        raise PermissionDenied(_("Chỉ kỹ thuật viên của điểm cầu hoặc quản trị được đổi mã lịch."))
    endpoint.feed_token = new_feed_token()
    endpoint.save(update_fields=["feed_token"])
    return endpoint


@transaction.atomic
def start_endpoint_history(*, endpoint: Endpoint, by: User | None) -> StatusChange:
    """A new endpoint's history starts with its status, today, and status_since says the same."""
    change = StatusChange.objects.create(endpoint=endpoint, status=endpoint.status, effective=today(), changed_by=by)
    endpoint.status_since = change.effective
    endpoint.save(update_fields=["status_since"])
    return change


def check_bridge(bridge: Bridge) -> None:
    errors: dict[str, list[str]] = {}
    bridge.name = " ".join((bridge.name or "").split())
    if not bridge.name:
        errors["name"] = [_("Bắt buộc.")]
    elif Bridge.objects.filter(name__iexact=bridge.name).exclude(pk=bridge.pk).exists():
        errors["name"] = [_("Đã có cầu (MCU) tên “%s”.") % bridge.name]
    if bridge.ports is None or not 1 <= bridge.ports <= MAX_PEOPLE:
        errors["ports"] = [_("Số cổng phải từ 1 đến %s.") % MAX_PEOPLE]
    if errors:
        raise ValidationError(errors)
    check_cascade(bridge)
    bridge.full_clean()


@transaction.atomic
def create_bridge(
    *, name: str, ports: int, dial_address: str = "", parent: Bridge | None = None, unit: Unit | None = None
) -> Bridge:
    bridge = Bridge(name=name, ports=ports, dial_address=dial_address, parent=parent, unit=unit)
    check_bridge(bridge)
    bridge.save()
    return bridge


@transaction.atomic
def update_bridge(*, bridge: Bridge, **fields: object) -> Bridge:
    bridge = Bridge.objects.select_for_update().get(pk=bridge.pk)
    for name, value in fields.items():
        if name not in ("name", "ports", "dial_address", "parent", "unit"):
            raise ValidationError({name: [_("Không sửa được trường này.")]})
        setattr(bridge, name, value)
    check_bridge(bridge)
    bridge.save()
    return bridge


def check_cascade(bridge: Bridge) -> None:
    """400 when the bridge's parent chain would come back to it (the database only refuses a
    bridge that is its own parent; a longer loop would make every port count go round)."""
    if bridge.parent_id is None:
        return
    parents = dict(Bridge.objects.values_list("pk", "parent_id"))
    node: int | None = bridge.parent_id
    seen: set[int] = set()
    while node is not None and node not in seen:
        if node == bridge.pk:
            raise ValidationError(
                {"parent": [_("Cầu MCU cấp trên tạo thành vòng: một MCU không thể nối lên chính nó.")]}
            )
        seen.add(node)
        node = parents.get(node)
