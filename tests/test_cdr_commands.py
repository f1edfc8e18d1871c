"""import_cdr and replay_cdr: the same service as the API, from the command line."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from rooms.models import BridgeLeg, BridgeRecord

FIXTURES = Path(__file__).parent / "fixtures" / "cdr"


def test_import_cdr_stores_a_file(tmp_path, province, attendance_meeting):
    province.ep_c1.dial_address = "sip:tt@ls"
    province.ep_c1.save()
    attendance_meeting()
    path = tmp_path / "cdr.csv"
    path.write_text("remote_address,connected_at,disconnected_at\nsip:tt@ls,2026-03-02T08:00,2026-03-02T08:40\n")
    out = StringIO()
    call_command("import_cdr", "--bridge", str(province.bridge.pk), str(path), stdout=out)
    assert "1 records read, 1 new" in out.getvalue()
    assert BridgeLeg.objects.get().endpoint_id == province.ep_c1.pk


def test_import_cdr_refuses_a_bad_file_whole(tmp_path, province):
    path = tmp_path / "cdr.csv"
    path.write_text("remote_address,connected_at,disconnected_at\nsip:a@b,2026-03-02T08:00,2026-03-02T08:40\n,x,y\n")
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_cdr", "--bridge", str(province.bridge.pk), str(path), stderr=err)
    assert "3" in err.getvalue()  # the bad row is named
    assert BridgeRecord.objects.count() == 0


def test_rederive_gives_legs_to_a_room_whose_alias_came_later(tmp_path, province, attendance_meeting):
    attendance_meeting()
    path = tmp_path / "cdr.csv"
    path.write_text("remote_address,connected_at,disconnected_at\n+84205001,2026-03-02T08:00,2026-03-02T08:40\n")
    call_command("import_cdr", "--bridge", str(province.bridge.pk), str(path), stdout=StringIO())
    assert BridgeLeg.objects.get().endpoint_id is None
    province.ep_c2.aliases = ["+84205001"]
    province.ep_c2.save()
    call_command("import_cdr", "--bridge", str(province.bridge.pk), "--rederive", stdout=StringIO())
    assert BridgeLeg.objects.get().participation.endpoint_id == province.ep_c2.pk


# The live server needs committed data; serialized_rollback puts back the roles the migrations made.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_replay_cdr_posts_each_delivery_to_a_running_receiver(live_server, province):
    url = f"{live_server.url}/api/bridges/{province.bridge.pk}/cdr/?token={province.bridge.cdr_token}"
    out = StringIO()
    call_command("replay_cdr", str(FIXTURES / "pexip_meeting.jsonl"), "--url", url, stdout=out)
    assert "5 deliveries posted, 5 new records stored" in out.getvalue()
    assert BridgeRecord.objects.count() == 5


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_replay_cdr_says_a_wrong_token(live_server, province):
    url = f"{live_server.url}/api/bridges/{province.bridge.pk}/cdr/?token=wrong"
    with pytest.raises(CommandError, match="HTTP 403"):
        call_command("replay_cdr", str(FIXTURES / "cms_meeting.xml"), "--url", url, stdout=StringIO())
