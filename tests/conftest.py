"""Shared fixtures: a fixed clock, a small province, one user per role, an API client."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group, User
from huey.contrib.djhuey import HUEY
from rest_framework.test import APIClient

from rooms.models import (
    Bridge,
    CheckIn,
    Endpoint,
    EndpointStatus,
    Level,
    Meeting,
    Participation,
    Profile,
    ProvinceSettings,
    Role,
    Structure,
    Unit,
)
from vconf import clock as clock_module

# The worker's tasks run in the test's own process, at once (Huey's immediate mode, in-memory
# queue); a retry waits in the queue's schedule until a test runs it (tests/test_worker_mail.py).
HUEY.immediate = True


@pytest.fixture(autouse=True)
def empty_worker_queue():
    yield
    HUEY.storage.flush_all()


# Monday 2 March 2026, 08:00 in Hanoi: a working morning well inside the booking horizon.
FIXED_NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def set(self, when: datetime) -> None:
        self.current = when

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FixedClock:
    fixed = FixedClock(FIXED_NOW)
    monkeypatch.setattr(clock_module, "now", fixed.now)
    return fixed


def make_user(username: str, role: str | None, home_unit: Unit | None = None, **extra: object) -> User:
    user = User.objects.create_user(username=username, password="s3cret-pass!", **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    Profile.objects.create(user=user, home_unit=home_unit)
    return user


def make_endpoint(unit: Unit, name: str | None = None, **fields: object) -> Endpoint:
    fields.setdefault("status", EndpointStatus.IN_SERVICE)
    fields.setdefault("status_since", date(2015, 1, 1))
    return Endpoint.objects.create(unit=unit, name=name or f"UBND {unit.name}", **fields)


@pytest.fixture
def province(db: None) -> SimpleNamespace:
    """Lạng Sơn in miniature, on the legacy tree: two districts with their communes, one
    endpoint per unit (all in service), the province hall as host, a 40-port bridge."""
    legacy = Structure.LEGACY
    p = Unit.objects.create(
        structure=legacy, code="20", name="Tỉnh Lạng Sơn", level=Level.PROVINCE, lat=21.85, lon=106.76
    )
    d1 = Unit.objects.create(
        structure=legacy, code="178", name="Huyện Văn Lãng", level=Level.DISTRICT, parent=p, lat=22.03, lon=106.58
    )
    d2 = Unit.objects.create(
        structure=legacy, code="180", name="Huyện Cao Lộc", level=Level.DISTRICT, parent=p, lat=21.87, lon=106.84
    )
    c1 = Unit.objects.create(
        structure=legacy, code="06280", name="Xã Tân Thanh", level=Level.COMMUNE, parent=d1, lat=22.07, lon=106.56
    )
    c2 = Unit.objects.create(
        structure=legacy, code="06283", name="Xã Hoàng Việt", level=Level.COMMUNE, parent=d1, lat=22.02, lon=106.62
    )
    c3 = Unit.objects.create(
        structure=legacy, code="06310", name="Xã Thụy Hùng", level=Level.COMMUNE, parent=d2, lat=21.90, lon=106.86
    )
    bridge = Bridge.objects.create(name="MCU tỉnh", ports=40)
    host = make_endpoint(p, "Hội trường UBND tỉnh", seats=120, bridge=bridge, road_km=0)
    eps = {u.code: make_endpoint(u, seats=30, bridge=bridge) for u in (d1, d2, c1, c2, c3)}
    ProvinceSettings.objects.create(province_code="20", name="Lạng Sơn", host=host)
    return SimpleNamespace(
        unit=p,
        d1=d1,
        d2=d2,
        c1=c1,
        c2=c2,
        c3=c3,
        bridge=bridge,
        host=host,
        ep_d1=eps["178"],
        ep_d2=eps["180"],
        ep_c1=eps["06280"],
        ep_c2=eps["06283"],
        ep_c3=eps["06310"],
    )


@pytest.fixture
def admin_user(province: SimpleNamespace) -> User:
    return make_user("admin", None, is_superuser=True, is_staff=True)


@pytest.fixture
def staff(province: SimpleNamespace) -> User:
    return make_user("vanphong", Role.STAFF, province.unit)


@pytest.fixture
def district_staff(province: SimpleNamespace) -> User:
    return make_user("vanphong_vanlang", Role.STAFF, province.d1)


@pytest.fixture
def operator(province: SimpleNamespace) -> User:
    user = make_user("kythuat_tanthanh", Role.OPERATOR, province.c1)
    province.ep_c1.operators.add(user)
    return user


@pytest.fixture
def mailed_operator(operator: User) -> User:
    """The operator of the Tân Thành room, with an e-mail address (the worker's messages go to it)."""
    operator.email = "kythuat@tanthanh.example"
    operator.save(update_fields=["email"])
    return operator


@pytest.fixture
def leader(province: SimpleNamespace) -> User:
    return make_user("lanhdao", Role.LEADER, province.unit)


@pytest.fixture
def api() -> "Callable[[User | None], APIClient]":
    """`api()` is an anonymous client; `api(user)` one authenticated as that user."""

    def client(user: User | None = None) -> APIClient:
        c = APIClient()
        if user is not None:
            c.force_authenticate(user)
        return c

    return client


@pytest.fixture(autouse=True)
def _isolated_throttle_history(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with an empty API rate-limit history. The throttles keep it in the shared
    cache, which lives for the whole run (and in Redis across processes), so without this a long
    suite would trip the anonymous 60/minute limit and fail at random. tests/test_security.py puts
    the real cache back to test throttling itself."""
    from django.core.cache.backends.locmem import LocMemCache
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "cache", LocMemCache("throttle-per-test", {}))


def orm_meeting(
    province: SimpleNamespace,
    staff: User,
    start: datetime,
    minutes: int,
    *,
    host: "Endpoint | None",
    endpoints: "list[Endpoint] | None",
    title: str,
    bridge: object = None,
) -> Meeting:
    """A meeting made straight through the ORM with a Participation per endpoint (the host's with
    is_host=True), start/end copied; by default the province hall hosts the five rooms."""
    host = host or province.host
    others = (
        endpoints
        if endpoints is not None
        else [province.ep_d1, province.ep_d2, province.ep_c1, province.ep_c2, province.ep_c3]
    )
    end = start + timedelta(minutes=minutes)
    meeting = Meeting.objects.create(title=title, host=host, start=start, end=end, organizer=staff, bridge=bridge)
    for endpoint in [host, *[e for e in others if e.pk != host.pk]]:
        Participation.objects.create(
            meeting=meeting, endpoint=endpoint, is_host=endpoint.pk == host.pk, start=start, end=end
        )
    return meeting


@pytest.fixture
def attendance_meeting(province: SimpleNamespace, staff: User) -> "Callable[..., object]":
    """`attendance_meeting(start=..., minutes=60)`: a meeting made straight through the ORM with a
    Participation per endpoint (the host's with is_host=True), start/end copied; by default the
    province hall hosts the five district and commune rooms, starting at the fixed clock."""

    def make(
        *,
        start: datetime = FIXED_NOW,
        minutes: int = 60,
        host: Endpoint | None = None,
        endpoints: "list[Endpoint] | None" = None,
        title: str = "Giao ban trực tuyến",
    ) -> Meeting:
        return orm_meeting(
            province, staff, start, minutes, host=host, endpoints=endpoints, title=title, bridge=province.bridge
        )

    return make


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: object) -> None:
    """Test users hash their password with a fast hasher (PBKDF2 costs about half a second each)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def held_meeting(province: SimpleNamespace, staff: User) -> "Callable[..., object]":
    """`held_meeting(start=..., minutes=90, heads={endpoint: attendees})`: a past meeting made
    through the ORM with a Participation per booked endpoint (the host's is_host=True) and, for
    each endpoint in `heads`, a check-in "in" with that head count at the start and an "out" at
    the end. By default the province hall hosts all five rooms; `heads` defaults to none."""
    import uuid

    def make(
        *,
        start: datetime = datetime(2026, 2, 2, 1, 0, tzinfo=UTC),
        minutes: int = 90,
        host: Endpoint | None = None,
        endpoints: "list[Endpoint] | None" = None,
        heads: "dict[Endpoint, int] | None" = None,
        title: str = "Giao ban trực tuyến",
    ) -> Meeting:
        meeting = orm_meeting(province, staff, start, minutes, host=host, endpoints=endpoints, title=title)
        end = meeting.end
        for endpoint, attendees in (heads or {}).items():
            CheckIn.objects.create(
                meeting=meeting, endpoint=endpoint, kind="in", attendees=attendees, client_id=uuid.uuid4(), at=start
            )
            CheckIn.objects.create(meeting=meeting, endpoint=endpoint, kind="out", client_id=uuid.uuid4(), at=end)
        return meeting

    return make


@pytest.fixture(autouse=True)
def _empty_throttle_history(_isolated_throttle_history: None) -> None:
    """Empties the per-test throttle cache: every LocMemCache of one name shares one store, so
    without this the history of earlier tests carries over (the token endpoint's tight "auth"
    rate, THROTTLE_AUTH, would refuse log-ins in a long run)."""
    from rest_framework.throttling import SimpleRateThrottle

    SimpleRateThrottle.cache.clear()
