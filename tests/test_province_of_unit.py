"""The province of a unit: one selector, used by days off and province settings."""

import pytest

from rooms.models import Level, Structure, Unit
from rooms.selectors.provinces import province_code_of_unit, province_of_unit
from rooms.services import days_off, provinces

pytestmark = pytest.mark.django_db


def unit(code: str, level: str, parent: Unit | None, structure: str = Structure.LEGACY) -> Unit:
    return Unit.objects.create(structure=structure, code=code, name=f"Unit {code}", level=level, parent=parent)


def test_a_commune_a_district_and_a_province_lie_in_the_province_under_the_country():
    vn = unit("VN", Level.COUNTRY, None)
    lang_son = unit("20", Level.PROVINCE, vn)
    van_lang = unit("178", Level.DISTRICT, lang_son)
    commune = unit("06280", Level.COMMUNE, van_lang)
    for member in (lang_son, van_lang, Unit.objects.get(pk=commune.pk)):
        assert province_of_unit(member) == lang_son
        assert province_code_of_unit(member) == "20"


def test_the_country_and_no_unit_have_no_province():
    vn = unit("VN", Level.COUNTRY, None, Structure.CURRENT)
    assert province_of_unit(vn) is None and province_of_unit(None) is None
    assert province_code_of_unit(vn) == ""


def test_a_province_standing_alone_is_its_own_province():
    cao_bang = unit("04", Level.PROVINCE, None, Structure.CURRENT)
    commune = unit("01273", Level.COMMUNE, cao_bang, Structure.CURRENT)
    assert province_of_unit(commune) == cao_bang


def test_days_off_and_province_settings_read_the_same_answer():
    vn = unit("VN", Level.COUNTRY, None)
    district = unit("178", Level.DISTRICT, unit("20", Level.PROVINCE, vn))
    assert days_off.province_code_of(district) == provinces.province_code_of(district) == "20"
    assert days_off.province_code_of(vn) == "" and provinces.province_code_of(vn) is None
