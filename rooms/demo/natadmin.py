"""Demo of the national administration (natadmin): the operators of the commune rooms imported
from a CSV file as an office would (POST /api/users/import/, manage.py import_users), and a
coverage target for the whole country beside the province's own. Idempotent."""

from django.contrib.auth.models import User
from django.core.management.base import OutputWrapper

from rooms.demo.users import PASSWORD
from rooms.models import CoverageTarget, Endpoint, EndpointStatus, Level, Structure
from rooms.services.csv_files import RowErrors
from rooms.services.user_import import import_users_csv

# Family name first, as written: these are shown exactly so.
OPERATORS = ["Nông Văn Thắng", "Hoàng Thị Hoa", "Lộc Văn Sơn"]


def load(*, stdout: OutputWrapper) -> None:
    rooms = Endpoint.objects.filter(
        unit__structure=Structure.CURRENT, unit__level=Level.COMMUNE, status=EndpointStatus.IN_SERVICE
    ).order_by("unit__code", "pk")[1 : 1 + len(OPERATORS)]
    lines = ["username,full_name,role,home_unit,home_unit_structure,password,endpoints"]
    for number, (room, name) in enumerate(zip(rooms, OPERATORS, strict=False), start=1):
        username = f"kythuat_xa{number}"
        if not User.objects.filter(username=username).exists():
            lines.append(f"{username},{name},operator,{room.unit.code},current,{PASSWORD},{room.pk}")
    if len(lines) > 1:
        try:
            created = import_users_csv(data="\n".join(lines) + "\n")
        except RowErrors as error:
            stdout.write("\n".join(error.as_lines()))
        else:
            stdout.write(f"  {len(created)} commune operators imported from CSV")
    CoverageTarget.objects.get_or_create(
        province_code="all",
        structure=Structure.CURRENT,
        measure=CoverageTarget.Measure.INSTALLED,
        due="2026-12-31",
        defaults={"percent": 100, "label": "100% xã, phường cả nước có điểm cầu"},
    )
