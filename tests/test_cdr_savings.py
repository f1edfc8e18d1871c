"""verified_money_vnd: the savings of participations the bridge confirms, in rows and totals."""

from datetime import timedelta
from decimal import Decimal

from rooms.cdr.ingest import store_records
from rooms.cdr.parsing import csv_record
from rooms.models import RecordSource
from tests.test_savings_api import FEB, URL


def test_only_confirmed_participations_count_as_verified_money(api, leader, province, held_meeting, clock):
    for endpoint, km, address in [(province.ep_d1, 40, "sip:vanlang@ls"), (province.ep_c3, 160, "sip:thuyhung@ls")]:
        endpoint.road_km, endpoint.dial_address = Decimal(km), address
        endpoint.save()
    meeting = held_meeting(start=FEB, heads={province.ep_d1: 5, province.ep_c3: 4})
    # The bridge saw Văn Lãng only, plus Cao Lộc (bridge-only: no head count, no money).
    province.ep_d2.aliases = ["caoloc@ls"]
    province.ep_d2.save()
    records = [
        csv_record(remote_address=remote, connected_at=FEB, disconnected_at=FEB + timedelta(minutes=80))
        for remote in ("sip:vanlang@ls", "caoloc@ls")
    ]
    store_records(bridge=province.bridge, source=RecordSource.CSV, records=records)
    body = api(leader).get(URL, {"group_by": "endpoint"}).json()
    money = {row["endpoint"]: (row["money_vnd"], row["verified_money_vnd"]) for row in body["rows"]}
    # Five in the room, three travellers: the cost model's default delegation per site.
    van_lang = 3 * (80 * 4_000 + 300_000)
    assert money[province.ep_d1.pk] == (van_lang, van_lang)
    assert money[province.ep_c3.pk][1] == 0
    assert body["totals"]["verified_money_vnd"] == van_lang
    assert body["totals"]["money_vnd"] > van_lang
    by_meeting = api(leader).get(URL, {"group_by": "meeting"}).json()["rows"]
    assert [(r["meeting"], r["verified_money_vnd"]) for r in by_meeting] == [(meeting.pk, van_lang)]


def test_the_usage_report_counts_verified_attendance_and_each_operators_discrepancy(
    api, leader, province, operator, held_meeting, clock
):
    # The operator runs Tân Thanh (c1); both c1 and Văn Lãng checked in, the bridge saw only Văn Lãng.
    province.ep_d1.dial_address = "sip:vanlang@ls"
    province.ep_d1.save()
    held_meeting(start=FEB, heads={province.ep_d1: 5, province.ep_c1: 4})
    record = csv_record(remote_address="sip:vanlang@ls", connected_at=FEB, disconnected_at=FEB + timedelta(minutes=80))
    store_records(bridge=province.bridge, source=RecordSource.CSV, records=[record])
    body = api(leader).get("/api/reports/usage/", {"start": "2026-02-01", "end": "2026-02-28"}).json()
    block = body["verification"]
    assert (block["confirmed"], block["operator_only"], block["bridge_only"]) == (1, 1, 0)
    assert block["unverified"] == 4  # the host and three rooms nobody checked in nor the bridge saw
    assert block["verified_attendance_rate"] == round(1 / 6, 4)
    assert block["operators"] == [
        {"operator": operator.username, "checked_in": 1, "operator_only": 1, "discrepancy_rate": 1.0}
    ]


def test_the_dashboard_shows_verified_money_beside_the_reported(client, leader, province, held_meeting, clock):
    province.ep_d1.road_km, province.ep_d1.dial_address = Decimal(40), "sip:vanlang@ls"
    province.ep_d1.save()
    held_meeting(start=FEB, heads={province.ep_d1: 5})
    record = csv_record(remote_address="sip:vanlang@ls", connected_at=FEB, disconnected_at=FEB + timedelta(minutes=80))
    store_records(bridge=province.bridge, source=RecordSource.CSV, records=[record])
    client.force_login(leader)
    page = client.get("/bao-cao/", {"start": "2026-02-01", "end": "2026-02-28"}).content.decode()
    assert 'data-figure="verified-money"' in page
