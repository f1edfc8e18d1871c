"""Demo users, one per role, with a known password printed by `manage.py demo`."""

from django.contrib.auth.models import Group, User
from django.core.management.base import OutputWrapper
from django.db.models import F

from rooms.models import Endpoint, EndpointStatus, Level, Profile, Role, Structure, Unit

PASSWORD = "vconf-demo-2026"
PROVINCE = "20"  # Lạng Sơn

# username, role, full name (family name first, as written), job title, home unit (structure, code)
USERS = [
    ("admin", Role.ADMINISTRATOR, "Trần Quốc Bảo", "Quản trị hệ thống", None),
    ("vanphong", Role.STAFF, "Nguyễn Thị Lan", "Chuyên viên Văn phòng UBND tỉnh", (Structure.CURRENT, PROVINCE)),
    ("kythuat", Role.OPERATOR, "Hoàng Văn Minh", "Kỹ thuật viên điểm cầu", None),
    ("lanhdao", Role.LEADER, "Lương Văn Hùng", "Phó Chủ tịch UBND tỉnh", (Structure.CURRENT, PROVINCE)),
    # The Government office books the national conferences (home unit VN: the whole country).
    ("chinhphu", Role.STAFF, "Đỗ Thị Thu Hà", "Chuyên viên Văn phòng Chính phủ", (Structure.CURRENT, "VN")),
]


def operator_endpoints() -> list[Endpoint]:
    """The room the demo operator runs: the first in-service commune hall on today's tree (the
    room whose legacy seat keeps the commune's code), which the demo meetings always invite, so
    "My room" has meetings to show."""
    communes = Endpoint.objects.filter(
        unit__structure=Structure.CURRENT,
        unit__level=Level.COMMUNE,
        unit__parent__code=PROVINCE,
        status=EndpointStatus.IN_SERVICE,
        legacy_unit__code=F("unit__code"),
    ).order_by("unit__code", "pk")
    return list(communes[:1])


def load(*, stdout: OutputWrapper) -> None:
    for username, role, full_name, job_title, home in USERS:
        user, created = User.objects.get_or_create(username=username)
        if created:
            user.set_password(PASSWORD)
            user.email = f"{username}@{'chinhphu' if home and home[1] == 'VN' else 'langson'}.example.vn"
            if role == Role.ADMINISTRATOR:
                user.is_superuser = user.is_staff = True
            user.save()
        user.groups.add(Group.objects.get(name=role))
        unit = Unit.objects.filter(structure=home[0], code=home[1]).first() if home else None
        Profile.objects.update_or_create(
            user=user, defaults={"home_unit": unit, "full_name": full_name, "job_title": job_title}
        )
        if role == Role.OPERATOR:
            for endpoint in operator_endpoints():
                endpoint.operators.add(user)
                Profile.objects.filter(user=user).update(home_unit=endpoint.unit)


def print_logins(*, stdout: OutputWrapper) -> None:
    stdout.write(f"\nDemo logins (password for all: {PASSWORD}):")
    for username, role, full_name, job_title, _home in USERS:
        stdout.write(f"  {username:<10} {role.label:<20} {full_name} ({job_title})")
    stdout.write("Open http://127.0.0.1:8000/ — API docs at /api/docs/\n")
