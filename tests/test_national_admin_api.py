"""The national network's administration API: provinces, coverage targets, user accounts."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from rooms.models import CoverageTarget, ProvinceSettings, Role
from tests.conftest import make_user


@pytest.fixture
def admin(province):
    return make_user("quantri", Role.ADMINISTRATOR)


class TestProvinces:
    def test_an_administrator_configures_a_province_by_its_code(self, api, admin, province):
        ProvinceSettings.objects.all().delete()
        response = api(admin).post(
            "/api/provinces/", {"code": "20", "host": province.host.pk, "circuity_factor": 1.3}, format="json"
        )
        assert response.status_code == 201, response.json()
        assert response.json() == {
            "code": "20",
            "name": "Tỉnh Lạng Sơn",
            "host": province.host.pk,
            "circuity_factor": 1.3,
        }
        assert ProvinceSettings.objects.get().circuity_factor == Decimal("1.30")

    def test_a_leader_reads_but_may_not_write(self, api, leader, province):
        assert api(leader).get("/api/provinces/").json()["results"][0]["code"] == "20"
        response = api(leader).patch("/api/provinces/20/", {"circuity_factor": 1.2}, format="json")
        assert response.status_code == 403
        assert ProvinceSettings.objects.get().circuity_factor == Decimal("1.40")

    def test_an_operator_may_not_read(self, api, operator):
        assert api(operator).get("/api/provinces/").status_code == 403

    def test_refuses_a_code_that_is_not_a_province(self, api, admin, province):
        response = api(admin).post("/api/provinces/", {"code": "178"}, format="json")
        assert response.status_code == 400
        assert "code" in response.json()
        assert ProvinceSettings.objects.count() == 1

    def test_refuses_a_province_configured_twice_on_its_field(self, api, admin, province):
        response = api(admin).post("/api/provinces/", {"code": "20", "name": "Lạng Sơn 2"}, format="json")
        assert response.status_code == 400
        assert "code" in response.json()
        assert list(ProvinceSettings.objects.values_list("name", flat=True)) == ["Lạng Sơn"]

    def test_refuses_a_circuity_factor_out_of_range(self, api, admin, province):
        response = api(admin).patch("/api/provinces/20/", {"circuity_factor": 3.5}, format="json")
        assert response.status_code == 400
        assert "circuity_factor" in response.json()
        assert ProvinceSettings.objects.get().circuity_factor == Decimal("1.40")

    def test_refuses_a_host_outside_the_province(self, api, admin, province):
        from rooms.models import Level, Structure, Unit
        from tests.conftest import make_endpoint

        other = Unit.objects.create(structure=Structure.LEGACY, code="04", name="Tỉnh Cao Bằng", level=Level.PROVINCE)
        room = make_endpoint(other)
        response = api(admin).patch("/api/provinces/20/", {"host": room.pk}, format="json")
        assert response.status_code == 400
        assert "host" in response.json()
        assert ProvinceSettings.objects.get().host_id == province.host.pk


class TestCoverageTargets:
    body = {"province": "20", "structure": "legacy", "measure": "installed", "percent": 100, "due": "2026-12-31"}

    def test_an_administrator_adds_a_target(self, api, admin, province):
        response = api(admin).post("/api/coverage-targets/", {**self.body, "label": "100% xã"}, format="json")
        assert response.status_code == 201, response.json()
        assert response.json() == {"id": response.json()["id"], **self.body, "label": "100% xã"}
        assert CoverageTarget.objects.get().province_code == "20"

    def test_the_same_target_twice_is_refused_on_its_due_date(self, api, admin, province):
        assert api(admin).post("/api/coverage-targets/", self.body, format="json").status_code == 201
        response = api(admin).post("/api/coverage-targets/", self.body, format="json")
        assert response.status_code == 400
        assert "due" in response.json()
        assert CoverageTarget.objects.count() == 1

    def test_refuses_an_unknown_province_and_a_bad_percent(self, api, admin, province):
        response = api(admin).post(
            "/api/coverage-targets/", {**self.body, "province": "99", "percent": 0}, format="json"
        )
        assert response.status_code == 400
        assert set(response.json()) == {"province", "percent"}
        assert not CoverageTarget.objects.exists()

    def test_staff_read_but_may_not_write(self, api, staff, admin, province):
        target = api(admin).post("/api/coverage-targets/", self.body, format="json").json()
        assert api(staff).get("/api/coverage-targets/").json()["count"] == 1
        response = api(staff).patch(f"/api/coverage-targets/{target['id']}/", {"percent": 50}, format="json")
        assert response.status_code == 403
        assert CoverageTarget.objects.get().percent == 100

    def test_a_nationwide_target(self, api, admin, province):
        response = api(admin).post("/api/coverage-targets/", {**self.body, "province": "all"}, format="json")
        assert response.status_code == 201
        assert CoverageTarget.objects.get().province_code == "all"


class TestUsers:
    def test_an_administrator_creates_an_operator_of_a_room(self, api, admin, province):
        body = {
            "username": "kt_hoangviet",
            "full_name": "Nguyễn Thị Lan",
            "email": "lan@langson.gov.vn",
            "phone": "0912345678",
            "role": "operator",
            "home_unit": "06283",
            "home_unit_structure": "legacy",
            "password": "Mat-khau-2026!",
            "endpoints": [province.ep_c2.pk],
        }
        response = api(admin).post("/api/users/", body, format="json")
        assert response.status_code == 201, response.json()
        user = User.objects.get(username="kt_hoangviet")
        assert response.json() == {
            "id": user.pk,
            "username": "kt_hoangviet",
            "full_name": "Nguyễn Thị Lan",
            "email": "lan@langson.gov.vn",
            "phone": "0912345678",
            "role": "operator",
            "home_unit": "06283",
            "home_unit_structure": "legacy",
            "is_active": True,
            "endpoints": [province.ep_c2.pk],
        }
        assert user.check_password("Mat-khau-2026!")
        assert list(province.ep_c2.operators.all()) == [user]
        assert list(user.groups.values_list("name", flat=True)) == ["operator"]

    def test_a_weak_password_is_refused_and_never_echoed(self, api, admin, province):
        response = api(admin).post("/api/users/", {"username": "a1", "role": "staff", "password": "123"}, format="json")
        assert response.status_code == 400
        assert "password" in response.json()
        assert "123" not in str(response.json())
        assert not User.objects.filter(username="a1").exists()

    def test_a_taken_username_is_refused_whatever_its_case(self, api, admin, staff):
        response = api(admin).post("/api/users/", {"username": "VanPhong", "role": "staff"}, format="json")
        assert response.status_code == 400
        assert "username" in response.json()
        assert User.objects.filter(username__iexact="vanphong").count() == 1

    def test_only_an_operator_runs_rooms(self, api, admin, province):
        body = {"username": "ld", "role": "leader", "endpoints": [province.ep_c1.pk]}
        response = api(admin).post("/api/users/", body, format="json")
        assert response.status_code == 400
        assert "endpoints" in response.json()
        assert not User.objects.filter(username="ld").exists()

    def test_the_requester_role_exists(self, api, admin, province):
        response = api(admin).post("/api/users/", {"username": "so_noi_vu", "role": "requester"}, format="json")
        assert response.status_code == 201
        assert response.json()["role"] == "requester"
        assert not User.objects.get(username="so_noi_vu").has_usable_password()

    def test_changing_the_role_replaces_the_old_one(self, api, admin, staff):
        response = api(admin).patch(f"/api/users/{staff.pk}/", {"role": "leader", "is_active": False}, format="json")
        assert response.status_code == 200
        staff.refresh_from_db()
        assert list(staff.groups.values_list("name", flat=True)) == ["leader"]
        assert not staff.is_active

    def test_staff_may_not_list_accounts(self, api, staff):
        assert api(staff).get("/api/users/").status_code == 403

    def test_staff_may_not_create_an_account(self, api, staff):
        response = api(staff).post("/api/users/", {"username": "x", "role": "administrator"}, format="json")
        assert response.status_code == 403
        assert not User.objects.filter(username="x").exists()

    def test_an_unknown_home_unit_is_refused_on_its_field(self, api, admin, province):
        response = api(admin).post("/api/users/", {"username": "b", "role": "staff", "home_unit": "999"}, format="json")
        assert response.status_code == 400
        assert "home_unit" in response.json()
        assert not User.objects.filter(username="b").exists()


class TestUserImport:
    def post(self, api, user, text: str):
        return api(user).post("/api/users/import/", text.encode(), content_type="text/csv")

    def test_imports_every_row_and_links_operators_to_their_rooms(self, api, admin, province):
        province.ep_c1.dial_address = "sip:tanthanh@langson.gov.vn"
        province.ep_c1.save()
        text = (
            "username,full_name,role,home_unit,home_unit_structure,endpoints\n"
            "kt1,Hoàng Văn Nam,operator,06280,legacy,sip:TANTHANH@langson.gov.vn\n"
            f"kt2,Lý Thị Mai,operator,06283,legacy,{province.ep_c2.pk};{province.ep_c3.pk}\n"
            "ld1,Vi Văn Tú,leader,20,legacy,\n"
        )
        response = self.post(api, admin, text)
        assert response.status_code == 201, response.json()
        assert response.json()["created"] == 3
        assert list(province.ep_c1.operators.values_list("username", flat=True)) == ["kt1"]
        assert sorted(User.objects.get(username="kt2").operated_endpoints.values_list("pk", flat=True)) == sorted(
            [province.ep_c2.pk, province.ep_c3.pk]
        )
        assert User.objects.get(username="kt1").profile.full_name == "Hoàng Văn Nam"

    def test_one_bad_row_refuses_the_file_naming_its_line_and_column(self, api, admin, province):
        before = User.objects.count()
        text = "username,role,endpoints\nkt1,operator,\nkt2,chief,\nkt3,operator,sip:none\nkt1,operator,\n"
        response = self.post(api, admin, text)
        assert response.status_code == 400
        rows = response.json()["rows"]
        assert [(r["row"], sorted(r["errors"])) for r in rows] == [(3, ["role"]), (4, ["endpoints"]), (5, ["username"])]
        assert User.objects.count() == before
        assert not province.ep_c1.operators.exists()

    def test_is_active_is_read_from_words_and_a_bad_word_is_named(self, api, admin, province):
        response = self.post(api, admin, "username,role,is_active\nkt1,operator,không\nkt2,operator,true\n")
        assert response.status_code == 201, response.json()
        assert dict(User.objects.filter(username__in=["kt1", "kt2"]).values_list("username", "is_active")) == {
            "kt1": False,
            "kt2": True,
        }
        refused = self.post(api, admin, "username,role,is_active\nkt3,operator,maybe\n")
        assert refused.status_code == 400
        assert [(r["row"], sorted(r["errors"])) for r in refused.json()["rows"]] == [(2, ["is_active"])]
        assert not User.objects.filter(username="kt3").exists()

    def test_a_missing_column_refuses_the_file(self, api, admin, province):
        response = self.post(api, admin, "username\nkt1\n")
        assert response.status_code == 400
        assert "file" in response.json()
        assert not User.objects.filter(username="kt1").exists()

    def test_only_administrators_import(self, api, staff):
        response = self.post(api, staff, "username,role\nkt1,operator\n")
        assert response.status_code == 403
        assert not User.objects.filter(username="kt1").exists()

    def test_the_command_imports_the_same_file(self, tmp_path, province):
        from django.core.management import call_command

        path = tmp_path / "users.csv"
        path.write_text("username;role;full_name\nvp1;staff;Đặng Thu Hà\n", encoding="utf-8")
        call_command("import_users", str(path))
        assert User.objects.get(username="vp1").profile.full_name == "Đặng Thu Hà"


class TestEndpointImportLegacyUnits:
    def test_a_legacy_units_column_names_the_communes_a_room_serves(self, api, admin, province):
        from rooms.models import Endpoint, Level, Structure, Unit

        current = Unit.objects.create(
            structure=Structure.CURRENT, code="20", name="Tỉnh Lạng Sơn", level=Level.PROVINCE
        )
        Unit.objects.create(
            structure=Structure.CURRENT, code="06280", name="Xã Tân Thanh", level=Level.COMMUNE, parent=current
        )
        text = "name,unit,unit_structure,legacy_units\nPhòng họp xã Tân Thanh,06280,current,06280;06283\n"
        response = api(admin).post("/api/endpoints/import/", text.encode(), content_type="text/csv")
        assert response.status_code == 201, response.json()
        room = Endpoint.objects.get(pk=response.json()["endpoints"][0])
        assert sorted(room.legacy_units.values_list("code", flat=True)) == ["06280", "06283"]
        assert room.legacy_unit.code == "06280"


def test_the_admin_lists_accounts_with_their_role_and_full_name(admin_user, staff):
    from django.test import Client

    staff.profile.full_name = "Trần Văn Bình"
    staff.profile.save()
    client = Client()
    client.force_login(admin_user)
    page = client.get("/admin/auth/user/")
    assert page.status_code == 200
    assert "Trần Văn Bình" in page.content.decode()
    assert "Văn phòng" in page.content.decode()


def test_an_account_answers_its_blank_email_and_refuses_a_bad_one_or_an_object_of_rooms(api, admin_user, operator):
    url = f"/api/users/{operator.pk}/"
    assert api(admin_user).get(url).json()["email"] == ""
    bad = api(admin_user).patch(url, {"email": "not-an-address"}, format="json")
    assert bad.status_code == 400
    assert list(bad.json()) == ["email"]
    rooms = api(admin_user).patch(url, {"endpoints": {}}, format="json")
    assert rooms.status_code == 400
    assert list(rooms.json()) == ["endpoints"]
    operator.refresh_from_db()
    assert operator.email == "" and operator.operated_endpoints.exists()
