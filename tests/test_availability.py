"""GET /api/availability/: free slots of many endpoints together, in working hours."""

import itertools
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rooms.selectors.availability import merged, subtract
from rooms.services import booking
from tests.helpers import HANOI, at, book


def free(api, user, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = api(user).get(f"/api/availability/?{query}")
    assert response.status_code == 200, response.content
    return [(datetime.fromisoformat(s["start"]), datetime.fromisoformat(s["end"])) for s in response.json()["free"]]


@pytest.mark.django_db
class TestAvailability:
    def test_free_slots_of_all_endpoints_together_within_working_hours(self, api, staff, province, clock):
        book(province, staff, at(3, 9), at(3, 10), [province.ep_c1], host=province.ep_d1, title="A")
        book(province, staff, at(3, 14), at(3, 15, 30), [province.ep_c3], host=province.ep_d2, title="B")
        ids = f"{province.ep_c1.pk},{province.ep_c3.pk}"
        slots = free(api, staff, endpoints=ids, start="2026-03-03", end="2026-03-04", duration=60)
        assert slots == [(at(3, 7, 30), at(3, 9)), (at(3, 10), at(3, 14)), (at(3, 15, 30), at(3, 17))]
        # Responses carry +07:00.
        raw = api(staff).get(f"/api/availability/?endpoints={ids}&start=2026-03-03&end=2026-03-04").json()
        assert raw["free"][0]["start"] == "2026-03-03T07:30:00+07:00"

    def test_a_longer_duration_drops_short_gaps_and_the_buffer_widens_bookings(
        self, api, staff, province, clock, settings
    ):
        book(province, staff, at(3, 9), at(3, 10), [province.ep_c1], host=province.ep_d1, title="A")
        ids = str(province.ep_c1.pk)
        assert free(api, staff, endpoints=ids, start="2026-03-03", end="2026-03-04", duration=120) == [
            (at(3, 10), at(3, 17))
        ]
        settings.VCONF = {**settings.VCONF, "SETUP_BUFFER_MINUTES": 15}
        assert free(api, staff, endpoints=ids, start="2026-03-03", end="2026-03-04", duration=60) == [
            (at(3, 7, 30), at(3, 8, 45)),
            (at(3, 10, 15), at(3, 17)),
        ]

    def test_weekends_the_past_and_cancelled_meetings(self, api, staff, province, clock):
        meeting = book(province, staff, at(2, 9), at(2, 10), [province.ep_c1], host=province.ep_d1, title="A")
        booking.cancel_meeting(meeting=meeting, actor=staff, notify=False)
        # Now is Monday 2 March 08:00: the morning before it is gone; Saturday and Sunday are not working days.
        slots = free(api, staff, endpoints=province.ep_c1.pk, start="2026-03-02", end="2026-03-09", duration=30)
        assert slots[0] == (at(2, 8), at(2, 17))
        assert [s.date().day for s, _ in slots] == [2, 3, 4, 5, 6]

    def test_units_select_their_endpoints(self, api, staff, province, clock):
        book(province, staff, at(3, 9), at(3, 10), [province.ep_c3], host=province.ep_d2, title="A")
        slots = free(api, staff, units="178", start="2026-03-03", end="2026-03-04", duration=30)
        assert slots == [(at(3, 7, 30), at(3, 17))]  # Cao Lộc's meeting does not concern Văn Lãng
        slots = free(api, staff, units="180", start="2026-03-03", end="2026-03-04", duration=30)
        assert slots == [(at(3, 7, 30), at(3, 9)), (at(3, 10), at(3, 17))]

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ("start=2026-03-03", "endpoints"),
            ("endpoints=999999", "endpoints"),
            ("endpoints=a,b", "endpoints"),
            ("units=nope", "units"),
            ("endpoints={ep}&start=2026-03-03&end=2026-06-03", "end"),
            ("endpoints={ep}&start=2026-03-04&end=2026-03-03", "end"),
            ("endpoints={ep}&duration=0", "duration"),
            ("endpoints={ep}&duration=x", "duration"),
            ("endpoints={ep}&start=garbage", "start"),
        ],
    )
    def test_bad_queries_are_400_naming_the_parameter(self, api, staff, province, clock, query, field):
        response = api(staff).get("/api/availability/?" + query.format(ep=province.ep_c1.pk))
        assert response.status_code == 400
        assert field in response.json()

    def test_it_needs_a_login(self, api, province):
        assert api().get(f"/api/availability/?endpoints={province.ep_c1.pk}").status_code == 401


MINUTES = 24 * 60
intervals = st.lists(
    st.tuples(st.integers(0, MINUTES // 15), st.integers(1, 16)).map(lambda t: (t[0] * 15, t[0] * 15 + t[1] * 15)),
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(windows=intervals, busy=intervals)
def test_subtracting_busy_time_leaves_exactly_the_free_minutes(windows, busy):
    base = datetime(2026, 3, 3, tzinfo=HANOI)

    def times(pairs):
        return [(base + timedelta(minutes=a), base + timedelta(minutes=b)) for a, b in pairs]

    windows_m = merged(times(windows))
    result = subtract(windows_m, merged(times(busy)))

    def minutes(pairs):
        return {
            m for a, b in pairs for m in range((a - base) // timedelta(minutes=1), (b - base) // timedelta(minutes=1))
        }

    assert minutes(result) == minutes(windows_m) - minutes(times(busy))
    # Maximal: two free intervals never touch (they would be one).
    assert all(a[1] < b[0] for a, b in itertools.pairwise(result))
