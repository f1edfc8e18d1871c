"""The CDR receiver: what a Cisco Meeting Server or a Pexip Infinity posts, stored once, legs derived."""

from pathlib import Path

import pytest

from rooms.models import BridgeLeg, BridgeRecord, PendingLeg

FIXTURES = Path(__file__).parent / "fixtures" / "cdr"
CMS = (FIXTURES / "cms_meeting.xml").read_bytes()
PEXIP = (FIXTURES / "pexip_meeting.jsonl").read_bytes()


@pytest.fixture
def rooms_with_addresses(province):
    province.ep_c1.dial_address = "sip:ubnd.tanthanh@langson.gov.vn"
    province.ep_c1.save()
    province.ep_c2.aliases = ["hoangviet@langson.gov.vn", "+842053880001"]
    province.ep_c2.save()
    return province


def post(api, bridge, body, *, token=None, content_type="application/xml"):
    token = bridge.cdr_token if token is None else token
    return api().post(f"/api/bridges/{bridge.pk}/cdr/?token={token}", body, content_type=content_type)


class TestReceiver:
    def test_it_stores_a_cms_delivery_and_derives_the_room_leg(self, api, rooms_with_addresses, attendance_meeting):
        p = rooms_with_addresses
        meeting = attendance_meeting()
        response = post(api, p.bridge, CMS)
        assert response.status_code == 200
        assert response.json() == {"received": 8, "stored": 8}
        assert BridgeRecord.objects.filter(bridge=p.bridge, source="cms").count() == 8
        # The distributionLink (cascade) leg is left out: one leg, Tân Thanh's, in the meeting.
        leg = BridgeLeg.objects.get()
        assert (leg.remote, leg.endpoint_id, leg.participation.meeting_id) == (
            "ubnd.tanthanh@langson.gov.vn",
            p.ep_c1.pk,
            meeting.pk,
        )
        assert (leg.disconnected_at - leg.connected_at).total_seconds() == 50 * 60

    def test_a_redelivery_adds_nothing(self, api, rooms_with_addresses, attendance_meeting):
        attendance_meeting()
        post(api, rooms_with_addresses.bridge, CMS)
        legs = list(BridgeLeg.objects.values_list("remote", "connected_at", "disconnected_at"))
        response = post(api, rooms_with_addresses.bridge, CMS)
        assert response.json() == {"received": 8, "stored": 0}
        assert BridgeRecord.objects.count() == 8
        assert list(BridgeLeg.objects.values_list("remote", "connected_at", "disconnected_at")) == legs

    def test_it_takes_pexip_event_sink_json_and_merges_a_reconnect(self, api, rooms_with_addresses, attendance_meeting):
        p = rooms_with_addresses
        attendance_meeting()
        response = post(api, p.bridge, PEXIP, content_type="application/json")
        assert response.json() == {"received": 5, "stored": 5}
        # Two connections a minute apart are one leg; the streaming participant is no room.
        leg = BridgeLeg.objects.get()
        assert leg.endpoint_id == p.ep_c2.pk
        assert (leg.disconnected_at - leg.connected_at).total_seconds() == 59 * 60

    def test_one_pexip_event_per_post_is_taken_too(self, api, rooms_with_addresses):
        line = PEXIP.splitlines()[0]
        response = post(api, rooms_with_addresses.bridge, line, content_type="application/json")
        assert response.json() == {"received": 1, "stored": 1}

    def test_a_wrong_token_is_refused_with_403_and_nothing_stored(self, api, province):
        response = post(api, province.bridge, CMS, token="not-the-token")
        assert response.status_code == 403
        assert "46d49cb4" not in response.content.decode()
        assert BridgeRecord.objects.count() == 0

    def test_a_missing_token_is_refused_with_403(self, api, province):
        response = api().post(f"/api/bridges/{province.bridge.pk}/cdr/", CMS, content_type="application/xml")
        assert response.status_code == 403
        assert BridgeRecord.objects.count() == 0

    def test_an_unknown_bridge_is_404(self, api, province):
        response = api().post("/api/bridges/999999/cdr/?token=x", CMS, content_type="application/xml")
        assert response.status_code == 404

    @pytest.mark.parametrize("name", ["bomb.xml", "external_entity.xml"])
    def test_xml_with_entities_is_refused_with_400_and_nothing_stored(self, api, province, name):
        response = post(api, province.bridge, (FIXTURES / name).read_bytes())
        assert response.status_code == 400
        assert "records" in response.json()
        assert BridgeRecord.objects.count() == 0
        assert PendingLeg.objects.count() == 0

    def test_a_body_over_the_limit_is_refused_with_413(self, api, province, settings):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
        response = post(api, province.bridge, CMS)
        assert response.status_code == 413
        assert BridgeRecord.objects.count() == 0

    def test_a_record_without_its_index_refuses_the_whole_delivery(self, api, province):
        body = CMS.replace(b'recordIndex="5"', b"")
        response = post(api, province.bridge, body)
        assert response.status_code == 400
        assert BridgeRecord.objects.count() == 0

    def test_records_are_kept_per_bridge(self, api, province, admin_user):
        other = api(admin_user).post("/api/bridges/", {"name": "MCU 2", "ports": 10}, format="json")
        from rooms.models import Bridge

        second = Bridge.objects.get(pk=other.json()["id"])
        post(api, province.bridge, CMS)
        assert post(api, second, CMS).json()["stored"] == 8
        assert BridgeRecord.objects.count() == 16

    def test_rotating_the_token_stops_the_old_one(self, api, province, admin_user):
        old = province.bridge.cdr_token
        response = api(admin_user).post(f"/api/bridges/{province.bridge.pk}/rotate-cdr-token/")
        assert response.status_code == 200
        assert response.json()["cdr_token"] != old
        assert post(api, province.bridge, CMS, token=old).status_code == 403

    def test_only_administrators_rotate_the_token(self, api, province, staff):
        old = province.bridge.cdr_token
        assert api(staff).post(f"/api/bridges/{province.bridge.pk}/rotate-cdr-token/").status_code == 403
        province.bridge.refresh_from_db()
        assert province.bridge.cdr_token == old


class TestCsvImport:
    def test_it_imports_every_row(self, api, rooms_with_addresses, admin_user, attendance_meeting):
        attendance_meeting()
        body = (
            "remote_address,connected_at,disconnected_at\n"
            "sip:ubnd.tanthanh@langson.gov.vn,2026-03-02T08:00:00,2026-03-02T08:45:00\n"
            "+842053880001,2026-03-02T08:05:00+07:00,2026-03-02T09:00:00+07:00\n"
        )
        url = f"/api/bridges/{rooms_with_addresses.bridge.pk}/cdr/import/"
        response = api(admin_user).post(url, body, content_type="text/csv")
        assert response.status_code == 200
        assert response.json() == {"received": 2, "stored": 2}
        assert set(BridgeLeg.objects.values_list("endpoint_id", flat=True)) == {
            rooms_with_addresses.ep_c1.pk,
            rooms_with_addresses.ep_c2.pk,
        }

    def test_a_bad_row_refuses_the_file_and_is_named(self, api, province, admin_user):
        body = (
            "remote_address,connected_at,disconnected_at\n"
            "sip:a@b,2026-03-02T08:00:00,2026-03-02T08:45:00\n"
            "sip:c@d,2026-03-02T09:00:00,2026-03-02T08:00:00\n"
        )
        response = api(admin_user).post(f"/api/bridges/{province.bridge.pk}/cdr/import/", body, content_type="text/csv")
        assert response.status_code == 400
        assert response.json()["rows"][0]["row"] == 3
        assert "disconnected_at" in response.json()["rows"][0]["errors"]
        assert BridgeRecord.objects.count() == 0

    def test_only_administrators_import(self, api, province, staff):
        body = "remote_address,connected_at,disconnected_at\nsip:a@b,2026-03-02T08:00:00,2026-03-02T08:45:00\n"
        response = api(staff).post(f"/api/bridges/{province.bridge.pk}/cdr/import/", body, content_type="text/csv")
        assert response.status_code == 403
        assert BridgeRecord.objects.count() == 0


class TestAliases:
    def test_an_endpoint_takes_its_aliases_through_the_api(self, api, province, admin_user):
        url = f"/api/endpoints/{province.ep_c1.pk}/"
        response = api(admin_user).patch(url, {"aliases": ["sip:tt@langson.gov.vn", "+842053880001"]}, format="json")
        assert response.status_code == 200
        assert response.json()["aliases"] == ["sip:tt@langson.gov.vn", "+842053880001"]
        province.ep_c1.refresh_from_db()
        assert province.ep_c1.aliases == ["sip:tt@langson.gov.vn", "+842053880001"]

    @pytest.mark.parametrize("aliases", [["x" * 201], [f"a{n}" for n in range(21)], [{"sip": "a"}], "sip:a@b"])
    def test_bad_aliases_are_refused_with_400(self, api, province, admin_user, aliases):
        url = f"/api/endpoints/{province.ep_c1.pk}/"
        response = api(admin_user).patch(url, {"aliases": aliases}, format="json")
        assert response.status_code == 400
        assert "aliases" in response.json()
        province.ep_c1.refresh_from_db()
        assert province.ep_c1.aliases == []


def test_the_admin_action_rotates_the_token(client, province, admin_user):
    old = province.bridge.cdr_token
    client.force_login(admin_user)
    response = client.post(
        "/admin/rooms/bridge/", {"action": "rotate_cdr_tokens", "_selected_action": [province.bridge.pk]}
    )
    assert response.status_code == 302
    province.bridge.refresh_from_db()
    assert province.bridge.cdr_token != old


@pytest.mark.transactional
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_deliveries_of_the_same_records_store_them_once(rooms_with_addresses):
    import threading

    from django.db import connection

    from rooms.cdr.ingest import store_records
    from rooms.cdr.parsing import parse_cms

    if connection.vendor == "sqlite":
        pytest.skip("the in-memory SQLite test database fails concurrent writers at once; PostgreSQL runs this")
    records = parse_cms(CMS)
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def deliver() -> None:
        try:
            barrier.wait()
            store_records(bridge=rooms_with_addresses.bridge, source="cms", records=records)
        except BaseException as error:  # reported below: a thread's exception is otherwise lost
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert BridgeRecord.objects.count() == 8
    assert BridgeLeg.objects.count() == 1


def test_a_bridge_without_a_token_receives_nothing(api, province):
    from rooms.models import Bridge

    Bridge.objects.filter(pk=province.bridge.pk).update(cdr_token=None)
    response = api().post(f"/api/bridges/{province.bridge.pk}/cdr/?token=", CMS, content_type="application/xml")
    assert response.status_code == 403
    assert BridgeRecord.objects.count() == 0
