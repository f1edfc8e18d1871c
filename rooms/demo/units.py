"""Demo step: Lạng Sơn on both trees and fifteen years of its rollout. Idempotent, deterministic.

The story, as the province's own reports tell it: the provincial hall and the 11 district halls
connected in 2010–2013; 22 commune pilot sites in 2018 with the goal of every commune People's
Committee by the end of 2018 (missed); growth to most but not all communes by mid-2025; on
1 July 2025 the districts were abolished and 194 communes became 65, and each commune room was
carried onto the new commune that absorbed it (keeping its legacy commune and its history).
"""

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.core.management.base import OutputWrapper
from django.db import transaction

from rooms.models import (
    Bridge,
    Connection,
    CoverageTarget,
    Endpoint,
    EndpointStatus,
    Level,
    ProvinceSettings,
    Structure,
    Unit,
)
from rooms.services.endpoints import change_endpoint_status, create_endpoint, today, update_endpoint
from rooms.services.units import BOTH, load_packaged_units, successor_codes

PROVINCE = "20"
SEED = 2018
DOMAIN = "mcu.langson.example.vn"
MERGER = dt.date(2025, 7, 1)
# A status from a day on, with an optional note for the history.
Step = tuple[str, dt.date] | tuple[str, dt.date, str]
PILOTS = 22  # "22 điểm cầu thí điểm cấp xã" (2018)
# Current communes left without a room (remote ones), and a few more legacy communes elsewhere:
# about 88% of legacy communes and 90% of the new ones end up covered.
UNCOVERED_NEW_COMMUNES = 6
UNCOVERED_OTHER_LEGACY = 9
# Road distances (km, one way) from the provincial hall to each district hall, as the office
# entered them; every commune distance is left to the estimate.
DISTRICT_ROAD_KM = {
    "178": 2,
    "180": 67,
    "181": 72,
    "182": 33,
    "183": 4,
    "184": 45,
    "185": 82,
    "186": 70,
    "187": 40,
    "188": 26,
    "189": 85,
}
# Commune rooms installed per year after the pilots (the rest in the first half of 2025).
YEARLY = {2019: 42, 2020: 34, 2021: 26, 2022: 20, 2023: 14, 2024: 10}


def hall(unit: Unit) -> str:
    """ "UBND xã Tân Thanh": the People's Committee of a unit, its type in lower case."""
    return f"UBND {unit.name[:1].lower()}{unit.name[1:]}"


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


class Rollout:
    def __init__(self, stdout: OutputWrapper) -> None:
        self.stdout = stdout
        self.rng = random.Random(SEED)
        self.today = today()
        self.bridge, _ = Bridge.objects.get_or_create(
            name="MCU UBND tỉnh Lạng Sơn", defaults={"ports": 120, "dial_address": f"sip:mcu@{DOMAIN}"}
        )
        self.created = 0

    def endpoint(self, key: str, *, history: list[Step], **fields: Any) -> Endpoint:
        """The endpoint dialled at sip:<key>@DOMAIN, created with its history on the first run only."""
        dial = f"sip:{key}@{DOMAIN}"
        found = Endpoint.objects.filter(dial_address=dial).first()
        if found is not None:
            return found
        # Each step is (status, day) or (status, day, note); steps after today are left out.
        steps = [(*step, "")[:3] for step in history if step[1] <= self.today]
        first_status, first_day, first_note = steps[0]
        endpoint = create_endpoint(
            by=None,
            dial_address=dial,
            bridge=self.bridge,
            status=first_status,
            status_since=first_day,
            note=first_note,
            **fields,
        )
        for status, day, note in steps[1:]:
            change_endpoint_status(endpoint=endpoint, status=status, effective=day, by=None, note=note)
        self.created += 1
        return endpoint

    def seats(self, lo: int, hi: int) -> int:
        return self.rng.randrange(lo, hi + 1, 5)


def load(*, stdout: OutputWrapper) -> None:
    with transaction.atomic():
        result = load_packaged_units(province=PROVINCE, structure=BOTH)
        for line in result.lines():
            stdout.write(f"  {line}")
        rollout = Rollout(stdout)
        legacy = Unit.objects.filter(structure=Structure.LEGACY)
        current = Unit.objects.filter(structure=Structure.CURRENT)
        province_old = legacy.get(code=PROVINCE, level=Level.PROVINCE)
        province_new = current.get(code=PROVINCE, level=Level.PROVINCE)
        districts = list(legacy.filter(parent=province_old, level=Level.DISTRICT).order_by("code"))
        communes = list(legacy.filter(parent__in=districts, level=Level.COMMUNE).order_by("code"))
        new_communes = {u.code: u for u in current.filter(parent=province_new, level=Level.COMMUNE)}
        successor = {code: new for code, new in successor_codes().items() if new in new_communes}

        host = rollout.endpoint(
            "ubnd-tinh",
            name="Hội trường UBND tỉnh Lạng Sơn",
            unit=province_new,
            legacy_unit=province_old,
            seats=150,
            road_km=Decimal(0),
            history=[(EndpointStatus.PILOT, dt.date(2009, 11, 16)), (EndpointStatus.IN_SERVICE, dt.date(2010, 3, 1))],
        )
        ProvinceSettings.objects.update_or_create(
            province_code=PROVINCE, defaults={"name": "Lạng Sơn", "host": host, "circuity_factor": Decimal("1.4")}
        )
        rng = rollout.rng
        for index, district in enumerate(districts):
            opened = _day(rng, dt.date(2010, 4, 1) + dt.timedelta(days=index * 120), dt.date(2013, 12, 31))
            rollout.endpoint(
                f"huyen-{district.code}",
                name=hall(district),
                unit=district,
                seats=rollout.seats(40, 60),
                road_km=Decimal(DISTRICT_ROAD_KM.get(district.code, 0)) if district.code in DISTRICT_ROAD_KM else None,
                history=[
                    (EndpointStatus.IN_SERVICE, opened),
                    (EndpointStatus.RETIRED, MERGER, "Kết thúc cấp huyện từ 1/7/2025"),
                ],
            )

        # Which legacy communes never got a room: those of a few remote new communes, and a few more.
        by_new: dict[str, list[Unit]] = {}
        for commune in communes:
            by_new.setdefault(successor.get(commune.code, ""), []).append(commune)
        candidates = sorted(code for code, units in by_new.items() if code and len(units) >= 2)
        dark_new = set(rng.sample(candidates, UNCOVERED_NEW_COMMUNES))
        uncovered = {c.code for code in dark_new for c in by_new[code]}
        rest = [c for c in communes if c.code not in uncovered]
        uncovered |= {c.code for c in rng.sample(rest, UNCOVERED_OTHER_LEGACY)}
        covered = [c for c in communes if c.code not in uncovered]

        # 22 pilots in 2018, two per district where possible, then yearly growth.
        per_district: dict[int | None, list[Unit]] = {}
        for commune in covered:
            per_district.setdefault(commune.parent_id, []).append(commune)
        pilots = []
        for district in districts:
            pilots += rng.sample(per_district.get(district.pk, []), min(2, len(per_district.get(district.pk, []))))
        pilots = sorted(pilots[:PILOTS], key=lambda u: u.code)
        later = [c for c in covered if c not in pilots]
        rng.shuffle(later)
        schedule: list[tuple[Unit, dt.date]] = []
        position = 0
        for year, count in YEARLY.items():
            for commune in later[position : position + count]:
                schedule.append((commune, _day(rng, dt.date(year, 1, 10), dt.date(year, 12, 20))))
            position += count
        schedule += [(c, _day(rng, dt.date(2025, 1, 6), dt.date(2025, 6, 20))) for c in later[position:]]

        rooms: list[tuple[Unit, Endpoint]] = []
        for commune in pilots:
            start = _day(rng, dt.date(2018, 3, 26), dt.date(2018, 6, 29))
            opened = _day(rng, dt.date(2018, 10, 1), dt.date(2019, 3, 29))
            history: list[Step] = [(EndpointStatus.PILOT, start, "Thí điểm 2018"), (EndpointStatus.IN_SERVICE, opened)]
            rooms.append((commune, _commune(rollout, commune, history)))
        for commune, start in sorted(schedule, key=lambda item: item[1]):
            opened = start + dt.timedelta(days=rng.randrange(20, 90))
            history = [(EndpointStatus.PILOT, start)]
            if opened < MERGER:
                history.append((EndpointStatus.IN_SERVICE, opened))
            rooms.append((commune, _commune(rollout, commune, history)))

        # 1 July 2025: each commune room moves onto the new commune that absorbed its commune.
        if rollout.today >= MERGER:
            for commune, room in rooms:
                new = new_communes.get(successor.get(commune.code, ""))
                if new is None or room.unit_id == new.pk:
                    continue
                seat = commune.code == new.code  # the new commune keeps its seat's code
                name = hall(new) if seat else f"Điểm cầu {commune.name} (cũ)"
                update_endpoint(endpoint=room, by=None, unit=new, legacy_unit=commune, name=name)
            # Two of the new communes without a room have one planned, one got one in 2026.
            for code in sorted(dark_new)[:2]:
                new = new_communes[code]
                rollout.endpoint(
                    f"xa-moi-{code}",
                    name=hall(new),
                    unit=new,
                    seats=rollout.seats(20, 30),
                    history=[(EndpointStatus.PLANNED, dt.date(2025, 9, 15))],
                )
            # And one was equipped in 2026: the pace the leaders' projection extends.
            new = new_communes[sorted(dark_new)[2]]
            rollout.endpoint(
                f"xa-moi-{new.code}",
                name=hall(new),
                unit=new,
                seats=rollout.seats(20, 30),
                history=[
                    (EndpointStatus.PILOT, dt.date(2026, 1, 12)),
                    (EndpointStatus.IN_SERVICE, dt.date(2026, 3, 16)),
                ],
            )

        for structure, measure, due, label in (
            (
                Structure.LEGACY,
                CoverageTarget.Measure.INSTALLED,
                dt.date(2018, 12, 31),
                "Kế hoạch 2018: 100% UBND cấp xã có điểm cầu",
            ),
            (
                Structure.CURRENT,
                CoverageTarget.Measure.IN_SERVICE,
                dt.date(2026, 12, 31),
                "100% xã, phường sau sắp xếp có điểm cầu hoạt động",
            ),
        ):
            CoverageTarget.objects.get_or_create(
                province_code=PROVINCE,
                structure=structure,
                measure=measure,
                due=due,
                defaults={"percent": 100, "label": label},
            )
    stdout.write(f"  {rollout.created} endpoints added (bridge {rollout.bridge.name}, {rollout.bridge.ports} ports)")


def _commune(rollout: Rollout, commune: Unit, history: list[Step]) -> Endpoint:
    connection = Connection.INTERNET if rollout.rng.random() < 0.2 else Connection.GOVERNMENT_NETWORK
    return rollout.endpoint(
        f"xa-{commune.code}",
        name=hall(commune),
        unit=commune,
        seats=rollout.seats(15, 30),
        connection=connection,
        history=history,
    )
