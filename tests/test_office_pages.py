"""The booking page as office staff use it: switching trees keeps the form, "Họp ngay", the
ways out of a refusal, series described in words, and the long-title calendar."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils.translation import override

from rooms.models import Meeting
from rooms.recurrence_text import describe_rule
from rooms.services import booking
from tests.helpers import booking_form

pytestmark = pytest.mark.django_db
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def form(province, **extra):
    two = [province.ep_c1.pk, province.ep_c2.pk]
    return booking_form(province, **{"title": "Giao ban", "structure": "legacy", "endpoints": two, **extra})


def participants(meeting):
    return set(meeting.participations.filter(is_host=False).values_list("endpoint_id", flat=True))


def test_switching_trees_keeps_what_was_typed(client, staff, province, clock):
    client.force_login(staff)
    typed = form(province, title="Phòng chống bão số 3", structure="current", switch_structure="legacy")
    page = client.post("/lich-hop/dat-lich/", typed)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="Phòng chống bão số 3"' in html
    assert 'value="09:00"' in html
    assert f'name="endpoints" value="{province.ep_c1.pk}" checked' in html
    assert not Meeting.objects.exists()


def test_switching_trees_turns_a_ticked_unit_into_its_rooms(client, staff, province, clock):
    client.force_login(staff)
    html = client.post(
        "/lich-hop/dat-lich/", form(province, endpoints=[], units=[province.d2.pk], switch_structure="legacy")
    ).content.decode()
    assert f'name="endpoints" value="{province.ep_c3.pk}" checked' in html


def test_the_page_has_a_skip_link_a_running_count_and_hides_the_count_of_sessions(client, staff, province, clock):
    client.force_login(staff)
    html = client.get("/lich-hop/dat-lich/").content.decode()
    assert 'href="#after-tree"' in html
    assert 'id="after-tree"' in html
    assert "data-chosen" in html
    assert "data-repeat-only" in html


def test_hop_ngay_books_from_the_current_minute(client, staff, province, clock):
    clock.set(datetime(2026, 3, 2, 14, 37, 25, tzinfo=HANOI))
    client.force_login(staff)
    response = client.post("/lich-hop/dat-lich/", form(province, action="now", start_time="15:00", end_time="16:30"))
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.start == datetime(2026, 3, 2, 14, 37, tzinfo=HANOI)
    assert meeting.end - meeting.start == timedelta(minutes=90)


def test_a_start_five_minutes_ago_is_still_refused(api, staff, province, clock):
    start = clock.now() - timedelta(minutes=5)
    body = {
        "title": "Muộn",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
        "host": province.host.pk,
        "endpoints": [province.ep_c1.pk],
    }
    response = api(staff).post("/api/meetings/", body, format="json")
    assert response.status_code == 400
    assert "start" in response.json()
    assert not Meeting.objects.exists()


def busy_c1(staff, province):
    return booking.book_meeting(
        organizer=staff,
        title="Đã có",
        start=datetime(2026, 3, 3, 9, tzinfo=HANOI),
        end=datetime(2026, 3, 3, 10, tzinfo=HANOI),
        host=province.ep_d1,
        endpoints=[province.ep_c1],
    )


def test_a_refusal_offers_the_next_free_slot_and_booking_without_the_busy_rooms(client, staff, province, clock):
    busy_c1(staff, province)
    client.force_login(staff)
    refused = client.post("/lich-hop/dat-lich/", form(province))
    assert refused.status_code == 409
    html = refused.content.decode()
    assert 'value="2026-03-03T10:00:00+07:00"' in html
    assert f'name="busy" value="{province.ep_c1.pk}"' in html
    assert Meeting.objects.count() == 1


def test_booking_without_the_busy_rooms_books_the_others(client, staff, province, clock):
    busy_c1(staff, province)
    client.force_login(staff)
    response = client.post("/lich-hop/dat-lich/", form(province, action="without_busy", busy=[province.ep_c1.pk]))
    assert response.status_code == 302
    assert participants(Meeting.objects.latest("pk")) == {province.ep_c2.pk}


def test_the_next_slot_books_at_that_time(client, staff, province, clock):
    busy_c1(staff, province)
    client.force_login(staff)
    response = client.post("/lich-hop/dat-lich/", form(province, action="slot", slot="2026-03-03T10:00:00+07:00"))
    assert response.status_code == 302
    meeting = Meeting.objects.latest("pk")
    assert meeting.start == datetime(2026, 3, 3, 10, tzinfo=HANOI)
    assert participants(meeting) == {province.ep_c1.pk, province.ep_c2.pk}


def test_a_series_is_described_in_words():
    assert describe_rule("FREQ=WEEKLY;BYDAY=MO;COUNT=6", skipped=1) == (
        "Hằng tuần vào thứ Hai, 6 buổi, 1 buổi bỏ qua vì trùng lịch"
    )
    assert describe_rule("FREQ=MONTHLY;BYDAY=+1MO;COUNT=3") == "Hằng tháng vào thứ Hai đầu tiên, 3 buổi"
    assert describe_rule("FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=12") == "Hằng tháng vào ngày cuối tháng, 12 buổi"


def test_a_monthly_series_from_the_31st_says_what_happens_in_short_months():
    text = describe_rule("FREQ=MONTHLY;COUNT=6", start=date(2026, 1, 31))
    assert text == "Hằng tháng vào ngày 31 (tháng nào không có ngày 31 thì không họp), 6 buổi"


def test_a_series_is_described_in_english_when_chosen():
    with override("en"):
        assert describe_rule("FREQ=WEEKLY;COUNT=6", start=date(2026, 3, 2)) == "Weekly on Monday, 6 sessions"


def test_the_month_end_choice_books_the_last_day_of_each_month(client, staff, province, clock):
    client.force_login(staff)
    # Months whose last days are no day off (30 April is one) nor a Sunday (31 May 2026 is one).
    data = form(province, day="2026-10-31", repeat="monthly_last", count=3)
    response = client.post("/lich-hop/dat-lich/", data, follow=True)
    assert response.status_code == 200
    days = [m.start.astimezone(HANOI).date() for m in Meeting.objects.order_by("start")]
    assert days == [date(2026, 10, 31), date(2026, 11, 30), date(2026, 12, 31)]
    html = response.content.decode()
    assert "Hằng tháng vào ngày cuối tháng, 3 buổi" in html
    assert "FREQ=" not in html


def test_a_skipped_occurrence_says_why(client, staff, province, clock):
    busy_c1(staff, province)
    client.force_login(staff)
    data = form(province, repeat="weekly", count=3, skip_conflicts="on", action="check")
    html = client.post("/lich-hop/dat-lich/", data).content.decode()
    assert "Hằng tuần vào thứ Ba, 3 buổi, 1 buổi bỏ qua vì trùng lịch" in html
    assert "UBND Xã Tân Thanh bận họp “Đã có”" in html


def test_the_calendar_wraps_long_titles(client, staff, province, clock):
    client.force_login(staff)
    assert "overflow-wrap:anywhere" in client.get("/lich-hop/").content.decode()


def test_office_staff_see_the_room_feed_with_a_webcal_link(client, staff, province, clock):
    client.force_login(staff)
    html = client.get(f"/diem-cau/{province.ep_c1.pk}/").content.decode()
    assert f"token={province.ep_c1.feed_token}" in html
    assert 'href="webcal://' in html


def test_a_leader_does_not_see_the_room_feed(client, leader, province, clock):
    client.force_login(leader)
    assert province.ep_c1.feed_token not in client.get(f"/diem-cau/{province.ep_c1.pk}/").content.decode()
