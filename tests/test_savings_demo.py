"""The savings demo step: investments and imported history, following each room's rollout; idempotent."""

import datetime as dt
import io

import pytest
from django.core.management.base import OutputWrapper

from analytics import demo
from analytics.models import Investment
from rooms.models import CheckIn, Meeting, StatusChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def rollout(province, admin_user):
    """The province hall from 2010, Văn Lãng's hall from 2012, Tân Thanh piloting from 2018."""
    for endpoint, day in [
        (province.host, "2010-03-01"),
        (province.ep_d1, "2012-01-02"),
        (province.ep_c1, "2018-05-02"),
    ]:
        StatusChange.objects.create(endpoint=endpoint, status="in_service", effective=dt.date.fromisoformat(day))
    return province


def test_the_demo_imports_history_along_the_rollout_and_adds_nothing_the_second_time(rollout, clock, monkeypatch):
    monkeypatch.setattr(demo, "history_until", lambda: dt.date(2019, 1, 1))
    out = OutputWrapper(io.StringIO())
    demo.load(stdout=out)
    meetings = Meeting.objects.filter(imported=True)
    assert Investment.objects.filter(province_code="20").count() == len(demo.INVESTMENTS)
    # Weekly briefings from 2012 (when Văn Lãng's hall opened) and monthly conferences from 2018.
    assert not meetings.filter(start__lt=dt.datetime(2012, 1, 1, tzinfo=dt.UTC)).exists()
    assert meetings.filter(title="Hội nghị trực tuyến tỉnh – huyện – xã").count() >= 8
    assert not meetings.filter(start__gte=dt.datetime(2019, 1, 1, tzinfo=dt.UTC)).exists()
    conference = meetings.filter(title__startswith="Hội nghị").last()  # Tân Thanh joined in May 2018
    assert set(conference.participations.values_list("endpoint_id", flat=True)) == {
        rollout.host.pk,
        rollout.ep_d1.pk,
        rollout.ep_c1.pk,
    }
    before = (meetings.count(), CheckIn.objects.count(), Investment.objects.count())
    demo.load(stdout=out)
    assert (meetings.count(), CheckIn.objects.count(), Investment.objects.count()) == before
