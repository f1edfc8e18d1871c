"""Demo step: the national network over the demo province. Idempotent, deterministic.

Since 1 July 2025 the Government holds online conferences with the 34 provinces and every
commune at once. The default demo shows one province's part of it: the country (VN) at the root
of both trees, the central MCU and the Government hall at VN, and Lạng Sơn's MCU cascaded to the
central one (its communes reach a national conference through it: one port on each side of the
link). `rooms.demo.national_meetings` books the monthly conference; `manage.py demo --national`
(rooms.demo.country) adds the other 33 provinces.
"""

import datetime as dt

from django.core.management.base import OutputWrapper
from django.db import transaction

from rooms.models import Bridge, Endpoint, EndpointStatus, Level, Structure, Unit
from rooms.services.endpoints import create_endpoint

COUNTRY = "VN"
COUNTRY_NAME = "Việt Nam"
PROVINCE = "20"
CENTRAL_DOMAIN = "mcu.chinhphu.example.vn"
# The central MCU holds the Government hall and one cascade link per province (34), with room
# for ministries' halls; provincial MCUs hold their communes, their hall and their link up.
CENTRAL_PORTS = 120
CENTRAL_MCU = "MCU Trung ương (Văn phòng Chính phủ)"
GOVERNMENT_HALL = "Hội trường Chính phủ"
PROVINCIAL_MCU = "MCU UBND tỉnh Lạng Sơn"  # rooms.demo.units creates it
HALL_SINCE = dt.date(2025, 6, 16)  # in service for the first national conference of July 2025


def ensure_country() -> dict[str, Unit]:
    """VN on both trees, with every province that stands alone put under it."""
    roots: dict[str, Unit] = {}
    for structure in (Structure.CURRENT, Structure.LEGACY):
        roots[structure], _ = Unit.objects.get_or_create(
            structure=structure, code=COUNTRY, defaults={"name": COUNTRY_NAME, "level": Level.COUNTRY}
        )
        Unit.objects.filter(structure=structure, level=Level.PROVINCE, parent=None).update(parent=roots[structure])
    return roots


def central_bridge(country: Unit) -> Bridge:
    bridge, _ = Bridge.objects.get_or_create(
        name=CENTRAL_MCU,
        defaults={"ports": CENTRAL_PORTS, "dial_address": f"sip:mcu@{CENTRAL_DOMAIN}", "unit": country},
    )
    return bridge


def cascade(bridge: Bridge, *, unit: Unit, parent: Bridge) -> None:
    """A provincial MCU: whose it is, and the central MCU it links up to."""
    if bridge.unit_id != unit.pk or bridge.parent_id != parent.pk:
        Bridge.objects.filter(pk=bridge.pk).update(unit=unit, parent=parent)


def government_hall(country: Unit, bridge: Bridge) -> Endpoint:
    dial = f"sip:hoi-truong@{CENTRAL_DOMAIN}"
    found = Endpoint.objects.filter(dial_address=dial).first()
    if found is not None:
        return found
    return create_endpoint(
        by=None,
        name=GOVERNMENT_HALL,
        unit=country,
        seats=300,
        dial_address=dial,
        bridge=bridge,
        status=EndpointStatus.IN_SERVICE,
        status_since=HALL_SINCE,
    )


def load(*, stdout: OutputWrapper) -> None:
    with transaction.atomic():
        roots = ensure_country()
        central = central_bridge(roots[Structure.CURRENT])
        hall = government_hall(roots[Structure.CURRENT], central)
        province = Unit.objects.filter(structure=Structure.CURRENT, code=PROVINCE).first()
        provincial = Bridge.objects.filter(name=PROVINCIAL_MCU).first()
        if province is not None and provincial is not None:
            cascade(provincial, unit=province, parent=central)
    stdout.write(f"  {hall.name} on {central.name} ({central.ports} ports); {PROVINCIAL_MCU} cascades to it")
