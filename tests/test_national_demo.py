"""The national part of the demo: the country at the root, the central MCU and the Government
hall, Lạng Sơn cascaded to it and joining the monthly national conference; `demo --national`
on a reduced country. Deterministic, and a second run changes nothing."""

import io
import itertools
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import OutputWrapper

from rooms.demo import country, national, national_meetings, units, users
from rooms.models import (
    Bridge,
    CheckIn,
    Endpoint,
    Level,
    Meeting,
    Participation,
    ProvinceSettings,
    Structure,
    Unit,
)

pytestmark = pytest.mark.django_db


def out() -> OutputWrapper:
    return OutputWrapper(io.StringIO())


def snapshot() -> tuple:
    return (
        list(Unit.objects.order_by("structure", "code").values_list("structure", "code", "parent__code")),
        list(Bridge.objects.order_by("name").values_list("name", "ports", "parent__name", "unit__code")),
        list(Endpoint.objects.order_by("dial_address").values_list("dial_address", "unit__code", "bridge__name")),
        list(Meeting.objects.order_by("uid").values_list("uid", "start", "end", "host__name")),
        Participation.objects.count(),
        CheckIn.objects.count(),
        list(ProvinceSettings.objects.order_by("province_code").values_list("province_code", "host__name")),
    )


@pytest.fixture
def lang_son(clock, fast_password_hashing) -> None:
    """Lạng Sơn's rollout, the national network over it and the demo users."""
    units.load(stdout=out())
    national.load(stdout=out())
    users.load(stdout=out())


def test_the_country_is_the_root_of_both_trees_and_lang_son_cascades_to_the_central_mcu(lang_son):
    for structure in (Structure.CURRENT, Structure.LEGACY):
        vn = Unit.objects.get(structure=structure, code="VN")
        assert vn.level == Level.COUNTRY and vn.parent is None
        assert Unit.objects.get(structure=structure, code="20").parent == vn
    central = Bridge.objects.get(name=national.CENTRAL_MCU)
    assert central.unit.code == "VN" and central.parent is None
    provincial = Bridge.objects.get(name=national.PROVINCIAL_MCU)
    assert provincial.parent == central and provincial.unit.code == "20"
    hall = Endpoint.objects.get(name=national.GOVERNMENT_HALL)
    assert hall.unit.code == "VN" and hall.bridge == central
    government = Endpoint.objects.get(name=national.GOVERNMENT_HALL).unit
    assert users.Profile.objects.get(user__username="chinhphu").home_unit == government
    first = snapshot()
    national.load(stdout=out())
    users.load(stdout=out())
    assert snapshot() == first


def test_lang_son_s_communes_join_the_monthly_national_conference_through_the_cascade(lang_son, clock):
    national_meetings.load(stdout=out())
    conferences = Meeting.objects.filter(uid__startswith=national_meetings.UID).order_by("start")
    now = clock.now()
    assert conferences.filter(start__lt=now).count() >= 11 and conferences.filter(start__gt=now).exists()
    hall = Endpoint.objects.get(name=national.GOVERNMENT_HALL)
    lang_son_hall = ProvinceSettings.objects.get(province_code="20").host
    for meeting in conferences:
        assert meeting.host == hall and meeting.bridge.name == national.CENTRAL_MCU
        rooms = Participation.objects.filter(meeting=meeting)
        assert rooms.filter(endpoint=lang_son_hall).exists()
        assert rooms.filter(endpoint__bridge__name=national.PROVINCIAL_MCU).count() > 40
        assert meeting.start.weekday() == 0  # a Monday afternoon: none of the province's own meetings
    # Future conferences went through the booking service (it refuses what breaks its rules).
    assert conferences.filter(start__gt=now, series__uid=f"{national_meetings.UID}@vconf").exists()
    first = snapshot()
    assert "0 added" in run(national_meetings)
    assert snapshot() == first


def run(module: object) -> str:
    buffer = io.StringIO()
    module.load(stdout=OutputWrapper(buffer))  # type: ignore[attr-defined]
    return buffer.getvalue()


def test_the_national_demo_on_a_reduced_country_cascades_every_province_and_adds_nothing_twice(lang_son, clock):
    national_meetings.load(stdout=out())
    country.load(stdout=out(), provinces=3, communes=5)
    provinces = Unit.objects.filter(structure=Structure.CURRENT, level=Level.PROVINCE)
    assert provinces.count() == 3 and set(provinces.values_list("parent__code", flat=True)) == {"VN"}
    central = Bridge.objects.get(name=national.CENTRAL_MCU)
    assert Bridge.objects.filter(parent=central).count() == 3
    for province in provinces:
        settings = ProvinceSettings.objects.get(province_code=province.code)
        assert settings.host.unit == province and settings.host.bridge.parent == central
    others = provinces.exclude(code="20")
    assert Endpoint.objects.filter(unit__parent__in=others).count() == 2 * 5
    # Every national conference now holds the other provinces' halls and communes too.
    conference = Meeting.objects.filter(uid__startswith=national_meetings.UID, start__lt=clock.now()).last()
    joined = Participation.objects.filter(meeting=conference, endpoint__unit__parent__in=others).count()
    assert joined == 2 * 5
    assert CheckIn.objects.filter(meeting=conference, endpoint__unit__parent__in=others).exists()
    briefings = Meeting.objects.filter(uid__startswith=country.BRIEFING_UID)
    assert set(briefings.values_list("host__unit__code", flat=True)) == set(others.values_list("code", flat=True))
    assert briefings.filter(start__gt=clock.now()).exists()
    assert CheckIn.objects.filter(meeting__in=briefings.filter(start__lt=clock.now() - timedelta(hours=3))).exists()
    # No room is in two live meetings at once.
    live = sorted(Participation.objects.filter(active=True).values_list("endpoint_id", "start", "end"))
    for (e1, _s1, end1), (e2, s2, _e2) in itertools.pairwise(live):
        assert e1 != e2 or end1 <= s2
    first = snapshot()
    country.load(stdout=out(), provinces=3, communes=5)
    assert snapshot() == first


def test_the_demo_command_takes_the_national_options(clock, fast_password_hashing):
    buffer = io.StringIO()
    call_command("demo", national=True, provinces=2, communes=3, only=["rooms.demo.national"], stdout=buffer)
    assert "2 provinces" in buffer.getvalue()
    assert Endpoint.objects.filter(unit__level=Level.COMMUNE).count() == 2 * 3
