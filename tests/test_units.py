"""Administrative units: load_units from the packaged data and from a user's CSV, and the API."""

import io

import pytest
from django.core.management import CommandError, call_command

from rooms.models import Level, Structure, Unit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]


def load(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("load_units", *args, "--no-progress", stdout=out, stderr=err)
    return out.getvalue()


def counts(structure: str, province: str = "20") -> dict[str, int]:
    units = Unit.objects.filter(structure=structure)
    return {
        "province": units.filter(level=Level.PROVINCE, code=province).count(),
        "district": units.filter(level=Level.DISTRICT, parent__code=province).count(),
        "commune": units.filter(level=Level.COMMUNE).filter(parent__code=province).count()
        + units.filter(level=Level.COMMUNE, parent__parent__code=province).count(),
    }


def test_lang_son_comes_out_as_11_districts_194_communes_and_65_new_communes():
    load("--province", "20", "--structure", "both")
    assert counts(Structure.LEGACY) == {"province": 1, "district": 11, "commune": 194}
    assert counts(Structure.CURRENT) == {"province": 1, "district": 0, "commune": 65}
    hall = Unit.objects.get(structure=Structure.LEGACY, code="20")
    assert hall.name == "Tỉnh Lạng Sơn" and hall.lat and hall.lon
    assert Unit.objects.get(structure=Structure.LEGACY, code="182").name == "Huyện Văn Lãng"


def test_every_new_commune_knows_the_legacy_communes_it_absorbed():
    load("--province", "20", "--structure", "both")
    new = Unit.objects.filter(structure=Structure.CURRENT, level=Level.COMMUNE)
    assert all(unit.absorbed.exists() for unit in new)
    # Each of the 194 legacy communes went to at least one new commune.
    legacy = Unit.objects.filter(structure=Structure.LEGACY, level=Level.COMMUNE)
    assert legacy.filter(absorbed_into__isnull=False).distinct().count() == 194
    # A new commune keeps the code of its seat, one of the communes it absorbed.
    dong_kinh = Unit.objects.get(structure=Structure.CURRENT, code="05977")
    assert "05977" in set(dong_kinh.absorbed.values_list("code", flat=True))


def test_loading_again_changes_nothing():
    load("--province", "20", "--structure", "both")
    before = list(Unit.objects.order_by("structure", "code").values_list("structure", "code", "name", "parent_id"))
    links = Unit.absorbed.through.objects.count()
    output = load("--province", "20", "--structure", "both")
    assert "(0 mới)" in output and "(1 mới)" not in output
    assert (
        list(Unit.objects.order_by("structure", "code").values_list("structure", "code", "name", "parent_id")) == before
    )
    assert Unit.absorbed.through.objects.count() == links


def test_a_merged_province_brings_the_provinces_it_absorbed():
    load("--province", "19", "--structure", "both")
    assert Unit.objects.filter(structure=Structure.CURRENT, level=Level.COMMUNE, parent__code="19").count() == 92
    # Bắc Kạn (06): 8 districts, 108 communes on the legacy tree; 37 new communes came from it.
    assert counts(Structure.LEGACY, "06") == {"province": 1, "district": 8, "commune": 108}
    from_bac_kan = Unit.objects.filter(
        structure=Structure.CURRENT, parent__code="19", absorbed__parent__parent__code="06"
    ).distinct()
    assert from_bac_kan.count() == 37


def test_an_unknown_or_merged_away_province_is_refused_and_nothing_is_loaded():
    with pytest.raises(CommandError, match="99"):
        load("--province", "99", "--structure", "both")
    with pytest.raises(CommandError, match="19"):
        load("--province", "06", "--structure", "current")
    assert Unit.objects.count() == 0


def test_the_whole_country_loads_on_both_trees():
    load("--province", "all", "--structure", "both")
    assert Unit.objects.filter(structure=Structure.LEGACY, level=Level.PROVINCE).count() == 63
    assert Unit.objects.filter(structure=Structure.CURRENT, level=Level.PROVINCE).count() == 34
    assert Unit.objects.filter(structure=Structure.CURRENT, level=Level.COMMUNE).count() == 3321
    assert Unit.objects.filter(structure=Structure.LEGACY, level=Level.COMMUNE).count() > 10_000
    # Every stored coordinate is inside the country (the database refuses others anyway).
    assert not Unit.objects.filter(lat__isnull=False).exclude(lat__gte=8, lat__lte=24).exists()


GOOD_TREE = """code,name,level,parent,lat,lon,especially_difficult
90,Tỉnh Thử Nghiệm,province,,21.5,105.5,
901,Huyện Núi,district,90,21.6,105.6,
90001,Xã Bản Một,commune,901,21.61,105.61,1
90002,Xã Bản Hai,commune,901,,,0
"""


def write(tmp_path: object, text: str, name: str = "tree.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_tree_prepared_as_csv_is_loaded_and_can_be_loaded_again(tmp_path):
    path = write(tmp_path, GOOD_TREE)
    load("--csv", path, "--structure", "legacy")
    load("--csv", path, "--structure", "legacy")
    commune = Unit.objects.get(structure=Structure.LEGACY, code="90001")
    assert commune.parent.code == "901" and commune.parent.parent.code == "90"
    assert commune.especially_difficult is True
    assert Unit.objects.filter(structure=Structure.LEGACY).count() == 4


def test_a_csv_with_bad_rows_imports_nothing_and_names_every_bad_row(tmp_path):
    text = (
        "code;name;level;parent;lat;lon\n"  # Excel in Vietnamese separates with semicolons
        "90;Tỉnh Thử Nghiệm;tỉnh;;21.5;105.5\n"
        "901;Huyện Núi;huyện;99;21.6;105.6\n"  # row 3: unknown parent
        "90001;Xã Xa;xã;901;48.85;2.35\n"  # row 4: Paris is not in Vietnam
        "90002;;xã;901;;\n"  # row 5: no name
        "90003;Xã Ba;thôn;901;;\n"  # row 6: no such level
        "90001;Xã Trùng;xã;901;;\n"  # row 7: code used twice
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="5 bad rows"):
        call_command("load_units", "--csv", write(tmp_path, text), "--structure", "legacy", stderr=err)
    report = err.getvalue()
    for row in (3, 4, 5, 6, 7):
        assert f"Dòng {row}:" in report
    assert "Dòng 2:" not in report
    assert "ngoài Việt Nam" in report
    assert Unit.objects.count() == 0


def test_a_current_tree_csv_links_the_legacy_communes_a_commune_absorbed(tmp_path):
    load("--csv", write(tmp_path, GOOD_TREE), "--structure", "legacy")
    current = (
        "code,name,level,parent,absorbed\n90,Tỉnh Thử Nghiệm,province,,\n90001,Xã Bản Mới,commune,90,90001 90002\n"
    )
    load("--csv", write(tmp_path, current, "new.csv"), "--structure", "current")
    new = Unit.objects.get(structure=Structure.CURRENT, code="90001")
    assert set(new.absorbed.values_list("code", flat=True)) == {"90001", "90002"}
    wrong = "code,name,level,parent,absorbed\n90002,Xã Khác,commune,90,77777\n"
    with pytest.raises(CommandError):
        load("--csv", write(tmp_path, wrong, "wrong.csv"), "--structure", "current")
    assert not Unit.objects.filter(structure=Structure.CURRENT, code="90002").exists()


def test_a_current_tree_csv_may_not_have_districts(tmp_path):
    with pytest.raises(CommandError):
        load("--csv", write(tmp_path, GOOD_TREE), "--structure", "current")
    assert Unit.objects.count() == 0


# --- the API ----------------------------------------------------------------------------------------


@pytest.fixture
def both_trees(db: None) -> None:
    load("--province", "20", "--structure", "both")


def test_units_are_listed_by_tree_level_and_parent(api, staff, both_trees):
    client = api(staff)
    page = client.get("/api/units/?structure=legacy&level=district&parent=20").json()
    assert page["count"] == 11
    first = page["results"][0]
    assert set(first) >= {"code", "name", "level", "parent", "lat", "lon", "structure"}
    assert first["parent"] == "20" and first["structure"] == "legacy"
    communes = client.get("/api/units/?structure=current&level=commune&parent=20").json()
    assert communes["count"] == 65
    assert communes["results"][0]["absorbed"]


def test_units_are_found_by_name_with_diacritics(api, staff, both_trees):
    found = api(staff).get("/api/units/", {"search": "Văn Lãng", "structure": "legacy"}).json()
    assert [u["code"] for u in found["results"]] == ["182"]


def test_a_unit_is_read_by_code_current_tree_first(api, staff, both_trees):
    client = api(staff)
    current = client.get("/api/units/05977/").json()
    legacy = client.get("/api/units/05977/?structure=legacy").json()
    assert current["structure"] == "current" and current["name"] == "Phường Đông Kinh"
    assert legacy["structure"] == "legacy" and legacy["parent"] == "178"
    assert "05977" in legacy["absorbed_into"]


def test_units_api_answers_bad_requests_with_4xx(api, staff, both_trees):
    client = api(staff)
    assert client.get("/api/units/99999/").status_code == 404
    bad = client.get("/api/units/?structure=old")
    assert bad.status_code == 400 and "structure" in bad.json()
    assert client.get("/api/units/?level=village").status_code == 400
    assert api().get("/api/units/").status_code == 401


def test_a_csv_tree_may_start_at_the_country(tmp_path):
    text = (
        "code,name,level,parent\n"
        "VN,Việt Nam,country,\n"
        "20,Tỉnh Lạng Sơn,province,VN\n"
        "21,Tỉnh Cao Bằng,tỉnh,\n"  # a province may still stand alone
        "06280,Xã Tân Thanh,commune,20\n"
    )
    load("--csv", write(tmp_path, text), "--structure", "current")
    commune = Unit.objects.get(structure=Structure.CURRENT, code="06280")
    assert commune.parent.parent.code == "VN" and commune.parent.parent.level == Level.COUNTRY
    assert Unit.objects.get(structure=Structure.CURRENT, code="21").parent is None


def test_a_csv_country_has_no_parent_and_a_province_parent_must_be_the_country(tmp_path):
    text = "code,name,level,parent\nVN,Việt Nam,quốc gia,20\n20,Tỉnh Lạng Sơn,province,\n21,Tỉnh Cao Bằng,province,20\n"
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 bad rows"):
        call_command("load_units", "--csv", write(tmp_path, text), "--structure", "current", stderr=err)
    assert "Dòng 2:" in err.getvalue() and "Dòng 4:" in err.getvalue()
    assert Unit.objects.count() == 0


@pytest.mark.parametrize("structure", [Structure.CURRENT, Structure.LEGACY])
def test_reloading_a_province_keeps_it_under_the_national_root(structure):
    vn = Unit.objects.create(structure=structure, code="VN", name="Việt Nam", level=Level.COUNTRY)
    load("--province", "20", "--structure", structure)
    Unit.objects.filter(structure=structure, code="20").update(parent=vn)
    load("--province", "20", "--structure", structure)
    assert Unit.objects.get(structure=structure, code="20").parent == vn


def test_a_province_loaded_after_the_root_goes_under_it():
    vn = Unit.objects.create(structure=Structure.CURRENT, code="VN", name="Việt Nam", level=Level.COUNTRY)
    load("--province", "20", "--structure", "current")
    assert Unit.objects.get(structure=Structure.CURRENT, code="20").parent == vn
    assert Unit.objects.filter(structure=Structure.LEGACY).count() == 0
