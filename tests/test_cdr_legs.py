"""Legs from raw records: one pure function, the same legs whatever the order or repetition of deliveries."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from rooms.cdr.addresses import alias_table, endpoint_of, normalise
from rooms.cdr.legs import Leg, legs_from_records
from rooms.cdr.parsing import parse_cms, parse_pexip

FIXTURES = Path(__file__).parent / "fixtures" / "cdr"
CMS = parse_cms((FIXTURES / "cms_meeting.xml").read_bytes())
PEXIP = parse_pexip((FIXTURES / "pexip_meeting.jsonl").read_bytes())
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_the_cms_traffic_flow_gives_the_room_leg_and_drops_the_cascade_link():
    assert legs_from_records(CMS) == [
        Leg(
            connected_at=T0,
            remote="ubnd.tanthanh@langson.gov.vn",
            leg="9cfdb064-3ae9-4b08-a003-6478187f375f",
            disconnected_at=T0 + timedelta(minutes=50),
        )
    ]


def test_a_remote_that_is_a_bridge_dial_address_is_a_cascade_leg():
    assert legs_from_records(CMS, cascade={"ubnd.tanthanh@langson.gov.vn"}) == []


def test_a_leg_whose_start_is_missing_waits_for_it():
    assert legs_from_records([r for r in CMS if r.kind != "callLegStart"]) == []


def test_a_leg_without_its_update_is_dated_from_its_duration():
    legs = legs_from_records([r for r in CMS if r.kind != "callLegUpdate"])
    assert [(g.connected_at, g.disconnected_at) for g in legs] == [(T0, T0 + timedelta(minutes=50))]


def test_a_leg_still_connected_has_no_end():
    legs = legs_from_records([r for r in CMS if r.kind != "callLegEnd"])
    assert [(g.connected_at, g.disconnected_at) for g in legs] == [(T0, None)]


def test_pexip_reconnects_merge_and_streaming_is_dropped():
    legs = legs_from_records(PEXIP)
    assert [(g.remote, g.connected_at, g.disconnected_at) for g in legs] == [
        ("hoangviet@langson.gov.vn", T0 + timedelta(minutes=1), T0 + timedelta(minutes=60))
    ]


# No per-example deadline: the property is about the result, and a loaded CI machine is slow.
@settings(deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(CMS) + len(PEXIP) - 1), max_size=40), st.randoms())
def test_any_shuffle_or_duplication_of_the_deliveries_gives_the_same_legs(extra, random):
    every = [*CMS, *PEXIP]
    delivered = every + [every[i] for i in extra]
    random.shuffle(delivered)
    assert legs_from_records(delivered) == legs_from_records(every)


def test_addresses_normalise_scheme_case_port_and_display_name():
    assert normalise('"UBND" <sip:UBND.TanThanh@LangSon.gov.vn:5060;transport=tls>') == "ubnd.tanthanh@langson.gov.vn"
    assert normalise("10.20.1.5:1720") == "10.20.1.5"
    assert normalise("h323:UBND-TT") == "ubnd-tt"


def test_an_alias_two_rooms_share_names_neither():
    table = alias_table([(1, "sip:a@x", ["1001"]), (2, "sip:b@x", ["1001"])])
    assert endpoint_of("a@x", table) == 1
    assert endpoint_of("1001@cms.x", table) is None
    assert endpoint_of("b@x", table) == 2
