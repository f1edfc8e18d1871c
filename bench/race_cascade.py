"""The cascade scenario of bench/race.py: processes booking national and provincial meetings
across two levels of bridges at the same instant.

VN's central MCU (6 ports) holds the Government hall and the links of two provinces; each
province's MCU (5 ports) holds its hall and six communes. Each round every process waits at a
barrier, then books one hour at 09:00 (a few minutes apart): even processes a national
conference (the Government hall, both provincial halls and two communes of each province, 3
ports on the central MCU and 4 on each provincial one), odd processes a provincial briefing
(its hall and three communes, 4 ports on its MCU). Answers must be 201 or 409; afterwards no
bridge may be over its ports at any moment and no endpoint booked twice at once.
"""

import json
import os
import random
import sys
import time
import traceback
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def seed() -> dict:
    """The two-level network (in a process set up on the scratch database); returns the ids."""
    from django.contrib.auth.models import Group, User

    from rooms.models import Bridge, Endpoint, Level, Profile, Structure, Unit

    cur, ok = Structure.CURRENT, {"status": "in_service"}
    vn = Unit.objects.create(structure=cur, code="VN", name="Việt Nam", level=Level.COUNTRY)
    central = Bridge.objects.create(name="MCU trung ương", ports=6, unit=vn)
    gov = Endpoint.objects.create(name="Hội trường Chính phủ", unit=vn, bridge=central, **ok)
    provinces = []
    for p in (1, 2):
        unit = Unit.objects.create(structure=cur, code=f"9{p}", name=f"Tỉnh {p}", level=Level.PROVINCE, parent=vn)
        mcu = Bridge.objects.create(name=f"MCU tỉnh {p}", ports=5, parent=central, unit=unit)
        hall = Endpoint.objects.create(name=f"Hội trường tỉnh {p}", unit=unit, bridge=mcu, feed_token=f"h{p}", **ok)
        communes = [
            Endpoint.objects.create(
                name=f"UBND xã {p}-{c}",
                unit=Unit.objects.create(
                    structure=cur, code=f"9{p}{c:03d}", name=f"Xã {p}-{c}", level=Level.COMMUNE, parent=unit
                ),
                bridge=mcu,
                feed_token=f"c{p}-{c}",
                **ok,
            ).pk
            for c in range(6)
        ]
        provinces.append({"hall": hall.pk, "communes": communes})
    staff = User.objects.create_user("vpcp", password="x")
    staff.groups.add(Group.objects.get(name="staff"))
    Profile.objects.create(user=staff, home_unit=vn)
    return {"gov": gov.pk, "provinces": provinces}


def choice(ids: dict, round_no: int, worker: int) -> tuple[int, list[int]]:
    """The host and the endpoints process `worker` books in round `round_no`."""
    pick = random.Random(round_no * 1000 + worker)
    if worker % 2 == 0:
        rooms = [r for p in ids["provinces"] for r in (p["hall"], *pick.sample(p["communes"], 2))]
        return ids["gov"], rooms
    province = ids["provinces"][(worker // 2) % 2]
    return province["hall"], pick.sample(province["communes"], 3)


def worker(worker: int, rounds: int, barrier: Barrier, results: Queue, env: dict) -> None:
    import datetime as dt

    os.environ.update(env)
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from race import slot  # type: ignore[import-not-found]

    from rooms.models import Endpoint
    from rooms.services.booking import book_meeting
    from vconf.exceptions import Conflict

    staff, ids = User.objects.get(username="vpcp"), json.loads(env["RACE_IDS"])
    for round_no in range(rounds):
        start, end = slot(round_no, worker)
        host_id, endpoint_ids = choice(ids, round_no, worker)
        host, endpoints = Endpoint.objects.get(pk=host_id), list(Endpoint.objects.filter(pk__in=endpoint_ids))
        barrier.wait(timeout=120)
        began = time.perf_counter()
        try:
            book_meeting(organizer=staff, title=f"Race {round_no}/{worker}", start=start,
                         end=end + dt.timedelta(minutes=30), host=host, endpoints=endpoints, notify=False)  # fmt: skip
            outcome = "201"
        except Conflict:
            outcome = "409"
        except Exception as error:
            outcome = f"500 {type(error).__name__}: {error}"
            traceback.print_exc()
        results.put((round_no, worker, outcome, time.perf_counter() - began))
        connection.close()


def bridges_over_ports() -> list[dict]:
    """Every bridge and moment where the live meetings hold more ports than the bridge has."""
    from collections import Counter

    from rooms.cascade import held_ports
    from rooms.models import Bridge, Meeting, MeetingStatus, Participation

    parents = dict(Bridge.objects.values_list("pk", "parent_id"))
    capacity = dict(Bridge.objects.values_list("pk", "ports"))
    uses: list[tuple] = []
    for meeting in Meeting.objects.filter(status=MeetingStatus.SCHEDULED):
        rows = Participation.objects.filter(meeting=meeting, active=True).values_list("endpoint__bridge_id", flat=True)
        for bridge_id, ports in held_ports(Counter(rows), top=meeting.bridge_id, parents=parents).items():
            uses.append((bridge_id, meeting.start, meeting.end, ports))
    over = []
    for bridge_id, start, _end, _ports in uses:
        # The peak of a bridge is reached at some meeting's start.
        used = sum(p for b, s, e, p in uses if b == bridge_id and s <= start < e)
        if used > capacity[bridge_id]:
            over.append({"bridge": bridge_id, "at": start.isoformat(), "used": used, "ports": capacity[bridge_id]})
    return over


if __name__ == "__main__":
    # `race_cascade.py seed` (DATABASE_URL set): create the network and print its ids.
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vconf.settings")
    import django

    django.setup()
    print(json.dumps(seed() if sys.argv[1:] == ["seed"] else {"over": bridges_over_ports()}))
