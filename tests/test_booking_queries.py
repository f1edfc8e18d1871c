"""Booking a meeting of many rooms over cascaded bridges costs the same queries as a few rooms:
no query per room, per bridge or per meeting already booked that day."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rooms.models import Bridge, Level, Meeting, Participation, Role, Structure, Unit
from tests.conftest import make_endpoint, make_user
from tests.helpers import at

pytestmark = pytest.mark.django_db


def country(communes_per_province: int, *, tag: str = "A") -> dict:
    """Under VN (made once), three provinces with their MCUs cascaded to a central MCU, a hall and
    `communes_per_province` commune rooms each; the Government hall on the central MCU."""
    current = Structure.CURRENT
    vn, _made = Unit.objects.get_or_create(
        structure=current, code="VN", defaults={"name": "Việt Nam", "level": Level.COUNTRY}
    )
    central = Bridge.objects.create(name=f"MCU trung ương {tag}", ports=50, unit=vn)
    rooms = []
    for p in range(3):
        province = Unit.objects.create(
            structure=current, code=f"{tag}{p + 1:02d}", name=f"Tỉnh {tag}{p + 1}", level=Level.PROVINCE, parent=vn
        )
        mcu = Bridge.objects.create(name=f"MCU tỉnh {tag}{p + 1}", ports=200, parent=central, unit=province)
        rooms.append(make_endpoint(province, f"Hội trường tỉnh {tag}{p + 1}", bridge=mcu))
        for c in range(communes_per_province):
            commune = Unit.objects.create(
                structure=current, code=f"{tag}{p}{c:04d}", name=f"Xã {p}-{c}", level=Level.COMMUNE, parent=province
            )
            rooms.append(make_endpoint(commune, bridge=mcu))
    return {
        "host": make_endpoint(vn, f"Hội trường Chính phủ {tag}", bridge=central),
        "rooms": rooms,
        "staff": make_user(f"vpcp{tag}", Role.STAFF, vn),
    }


def queries_to_book(api, nation: dict, start) -> int:
    body = {
        "title": "Hội nghị toàn quốc",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=2)).isoformat(),
        "host": nation["host"].pk,
        "endpoints": [e.pk for e in nation["rooms"]],
    }
    with CaptureQueriesContext(connection) as queries:
        response = api(nation["staff"]).post("/api/meetings/", body, format="json")
    assert response.status_code == 201, response.content[:300]
    assert len(response.json()["endpoints"]) == len(nation["rooms"])
    return len(queries.captured_queries)


# PostgreSQL: over ids.ARRAY_FROM, so the ids travel as one array. SQLite writes its rows 150 to
# a statement (participation_rows.INSERT_BATCH, its bound-variable limit): 139 rows stay in one.
MANY = {"postgresql": 70, "sqlite": 45}


def test_a_national_booking_costs_the_same_queries_for_10_rooms_as_for_hundreds(api, clock):
    # The first request fills the process' caches; each booking then finds the one before it that
    # day (on other bridges), so each reads the day's meetings and their ports.
    queries_to_book(api, country(1, tag="W"), at(3, 8))
    few = queries_to_book(api, country(2, tag="A"), at(3, 9))
    many = queries_to_book(api, country(MANY[connection.vendor], tag="B"), at(3, 10))
    booked = Participation.objects.filter(meeting__host__name="Hội trường Chính phủ B").count()
    assert booked == 3 * (MANY[connection.vendor] + 1) + 1
    assert many == few


def test_meetings_already_booked_that_day_add_no_query(api, clock):
    nation = country(5)
    queries_to_book(api, nation, at(3, 7))  # the first request fills the process' caches
    one_before = queries_to_book(api, nation, at(3, 9))
    # Three more national meetings the same day, each with every room: the port check reads them all.
    for hour in (12, 14, 16):
        queries_to_book(api, nation, at(3, hour))
    crowded = queries_to_book(api, nation, at(3, 18))
    assert Meeting.objects.count() == 6
    assert crowded == one_before


def test_the_booking_leaves_one_audit_entry_naming_every_room(api, clock):
    nation = country(4)
    queries_to_book(api, nation, at(3, 9))
    meeting = Meeting.objects.get()
    entries = LogEntry.objects.get_for_object(meeting).filter(changes__has_key="endpoints")
    assert entries.count() == 1
    assert len(entries.get().changes["endpoints"]["objects"]) == len(nation["rooms"]) + 1
