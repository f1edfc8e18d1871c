"""A department's account (requester) reads its meeting's page without the attendance section:
requesters are not operators; office staff still see it."""

import pytest
from django.test import Client
from django.urls import reverse

from rooms.models import Role
from tests.conftest import make_user
from tests.helpers import at, book

pytestmark = pytest.mark.django_db


def page(user, meeting) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("meeting-detail", args=[meeting.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_requester_sees_no_attendance_section_and_staff_do(staff, province, clock):
    requester = make_user("so_noivu", Role.REQUESTER, province.unit)
    meeting = book(province, staff, at(3, 9), at(3, 10), [province.ep_c1], title="Họp sở")
    assert 'id="attendance-summary"' not in page(requester, meeting)
    assert "Họp sở" in page(requester, meeting)
    assert 'id="attendance-summary"' in page(staff, meeting)
