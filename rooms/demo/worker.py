"""Demo step: the readiness ladder in the demo province. Idempotent, deterministic.

The province's technical desk (e-mail, phone); test calls before the meetings of the last 60
days and of today — most rooms test on time, a few fail first and call again, some do not test
and are escalated to the desk 30 minutes before — so the live boards, the meeting pages and the
readiness report (/api/reports/readiness/) have something to show.
"""

import random
import uuid
from datetime import datetime, timedelta

from django.core.management.base import OutputWrapper
from django.db import transaction

from rooms.demo.units import PROVINCE
from rooms.models import CheckIn, CheckInKind, Meeting, MeetingStatus, Notice, NoticeKind, ProvinceSettings, TestResult
from rooms.selectors.readiness import escalation_moment, test_opens
from vconf import clock

NAMESPACE = uuid.UUID("0c7e9d52-3f4b-4d3a-8f0e-2b6a1d9c4e71")
DESK_EMAIL = "kythuat.stttt@langson.example"
DESK_PHONE = "0205 3812 345"
FAILED_FIRST = ["Không có tiếng", "Hình bị giật", "Không gọi được MCU"]


def _plan(
    meeting_id: int, uid: str, start: datetime, endpoint_ids: list[int], now: datetime
) -> tuple[list[CheckIn], list[Notice]]:
    rng = random.Random(f"vconf-demo-readiness:{uid}")
    tests, notices = [], []
    for endpoint_id in endpoint_ids:
        roll = rng.random()
        at = test_opens(start) + timedelta(minutes=rng.randint(5, 25))
        if roll < 0.12:  # never tested: escalated at 30 minutes
            if escalation_moment(start) <= now:
                notices.append(
                    Notice(
                        kind=NoticeKind.ESCALATION,
                        meeting_id=meeting_id,
                        endpoint_id=endpoint_id,
                        sent_at=escalation_moment(start),
                        sent_to=DESK_EMAIL,
                    )
                )
            continue
        outcomes = [(at, TestResult.OK, "")]
        if roll < 0.22:  # failed first, fixed and called again
            outcomes = [
                (at, TestResult.FAILED, rng.choice(FAILED_FIRST)),
                (at + timedelta(minutes=8), TestResult.OK, ""),
            ]
        for n, (when, result, note) in enumerate(outcomes):
            if when > now:
                break
            tests.append(
                CheckIn(
                    meeting_id=meeting_id,
                    endpoint_id=endpoint_id,
                    kind=CheckInKind.TEST,
                    result=result,
                    note=note,
                    at=when,
                    client_id=uuid.uuid5(NAMESPACE, f"{uid}:{endpoint_id}:{n}"),
                )
            )
    return tests, notices


@transaction.atomic
def load(*, stdout: OutputWrapper) -> None:
    ProvinceSettings.objects.filter(province_code=PROVINCE).update(desk_email=DESK_EMAIL, desk_phone=DESK_PHONE)
    now = clock.now()
    meetings = Meeting.objects.filter(
        status=MeetingStatus.SCHEDULED, start__gte=now - timedelta(days=60), start__lte=now + timedelta(hours=1)
    ).prefetch_related("participations")
    tests: list[CheckIn] = []
    notices: list[Notice] = []
    for meeting in meetings:
        booked = sorted(p.endpoint_id for p in meeting.participations.all() if p.active)
        more_tests, more_notices = _plan(meeting.pk, meeting.uid, meeting.start, booked, now)
        tests += more_tests
        notices += more_notices
    CheckIn.objects.bulk_create(tests, batch_size=2000, ignore_conflicts=True)
    Notice.objects.bulk_create(notices, batch_size=2000, ignore_conflicts=True)
    stdout.write(f"  {len(tests)} test calls, {len(notices)} escalations, technical desk {DESK_EMAIL}")
