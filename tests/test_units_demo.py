"""The demo rollout of Lạng Sơn: realistic, deterministic, and safe to run twice."""

import datetime as dt
import io

import pytest

from analytics.coverage import coverage_report
from rooms.demo import units as demo_units
from rooms.models import (
    Bridge,
    CoverageTarget,
    Endpoint,
    EndpointStatus,
    Level,
    ProvinceSettings,
    StatusChange,
    Structure,
    Unit,
)

pytestmark = pytest.mark.django_db


def test_the_demo_tells_the_lang_son_rollout_and_adds_nothing_the_second_time(clock):
    def state() -> tuple:
        return (
            list(Endpoint.objects.order_by("dial_address").values_list("dial_address", "name", "unit_id", "status")),
            StatusChange.objects.count(),
            Unit.objects.count(),
            CoverageTarget.objects.count(),
        )

    demo_units.load(stdout=io.StringIO())
    first = state()
    demo_units.load(stdout=io.StringIO())
    assert state() == first

    settings = ProvinceSettings.objects.get(province_code="20")
    assert settings.host.name == "Hội trường UBND tỉnh Lạng Sơn" and float(settings.circuity_factor) == 1.4
    assert settings.host.unit.structure == Structure.CURRENT and settings.host.status == EndpointStatus.IN_SERVICE
    assert Bridge.objects.get().ports == 120
    districts = Endpoint.objects.filter(unit__level=Level.DISTRICT)
    assert districts.count() == 11
    assert all(
        dt.date(2010, 1, 1) <= c.effective <= dt.date(2013, 12, 31)
        for c in StatusChange.objects.filter(endpoint__in=districts, status=EndpointStatus.IN_SERVICE)
    )

    pilots = coverage_report(province_code="20", structure=Structure.LEGACY, as_of=dt.date(2018, 12, 31))
    assert (pilots["installed"], pilots["communes"]) == (22, 194)
    assert pilots["target"]["due"] == "2018-12-31" and pilots["target"]["state"] == "open"  # due that day
    after_due = coverage_report(province_code="20", structure=Structure.LEGACY, as_of=dt.date(2019, 1, 1))
    assert after_due["target"]["state"] == "missed" and after_due["target"]["reached_percent"] == 11.3
    before_merger = coverage_report(province_code="20", structure=Structure.LEGACY, as_of=dt.date(2025, 6, 30))
    assert 0.85 * 194 <= before_merger["installed"] < 194
    today = coverage_report(province_code="20", structure=Structure.CURRENT, as_of=dt.date(2026, 3, 1))
    assert today["communes"] == 65 and 0.8 * 65 <= today["in_service"] < 65

    # Commune rooms were carried onto the new communes, keeping their legacy commune and history.
    carried = Endpoint.objects.filter(
        unit__structure=Structure.CURRENT, unit__level=Level.COMMUNE, status=EndpointStatus.IN_SERVICE
    )
    assert carried.count() >= 150
    assert not carried.filter(legacy_unit__isnull=True).exists()
    assert all(e.status_changes.first().effective < dt.date(2025, 7, 1) for e in carried[:20])
