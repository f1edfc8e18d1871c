"""A tree of administrative units that a user prepared as CSV: every row is checked before any is
written; a file with one bad row imports nothing and names every bad row.

Columns: code, name, level (country|province|district|commune, or quốc gia|tỉnh|huyện|xã), parent
(the parent's code on the same tree: empty for the country, VN or empty for a province), and
optionally lat, lon, especially_difficult (1/0, có/không) and, for a current-tree commune,
absorbed (the legacy codes it took over, separated by spaces or semicolons).
"""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from rooms.models import Level, Structure, Unit
from rooms.services.csv_files import RowErrors, read_rows, too_many_cells
from rooms.services.units import (
    LoadResult,
    ProgressFactory,
    UnitRow,
    add_absorbed_links,
    in_vietnam,
    no_progress,
    upsert_units,
)

REQUIRED = {"code", "name", "level"}
OPTIONAL = {"parent", "lat", "lon", "especially_difficult", "absorbed"}
CODE = re.compile(r"^[0-9A-Za-z_-]{1,10}$")
LEVELS = {
    "country": Level.COUNTRY,
    "quốc gia": Level.COUNTRY,
    "quoc gia": Level.COUNTRY,
    "province": Level.PROVINCE,
    "tỉnh": Level.PROVINCE,
    "tinh": Level.PROVINCE,
    "thành phố": Level.PROVINCE,
    "district": Level.DISTRICT,
    "huyện": Level.DISTRICT,
    "huyen": Level.DISTRICT,
    "commune": Level.COMMUNE,
    "xã": Level.COMMUNE,
    "xa": Level.COMMUNE,
}
TRUE = {"1", "true", "yes", "có", "co", "x"}
FALSE = {"", "0", "false", "no", "không", "khong"}
# Which level a unit's parent has, per tree (the current tree has no districts).
PARENT_LEVEL: dict[str, dict[str, str | None]] = {
    Structure.LEGACY: {
        Level.COUNTRY: None,
        Level.PROVINCE: Level.COUNTRY,
        Level.DISTRICT: Level.PROVINCE,
        Level.COMMUNE: Level.DISTRICT,
    },
    Structure.CURRENT: {Level.COUNTRY: None, Level.PROVINCE: Level.COUNTRY, Level.COMMUNE: Level.PROVINCE},
}
# A province may still stand alone (a one-province deployment loaded without VN).
OPTIONAL_PARENT = {Level.PROVINCE}


def _number(raw: str, errors: dict, name: str) -> float | None:
    if not raw:
        return None
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        errors[name] = [_("Phải là số (độ thập phân, ví dụ 21.85).")]
        return None


def _check_row(values: dict[str, str], structure: str) -> tuple[UnitRow | None, list[str], dict]:
    """One row on its own: its UnitRow (or None), its absorbed codes, and its errors."""
    errors: dict[str, list[str]] = too_many_cells(values)
    code, name, parent = values.get("code", ""), values.get("name", ""), values.get("parent", "") or None
    if not CODE.match(code):
        errors["code"] = [_("Mã gồm 1–10 chữ số hoặc chữ cái (ví dụ 06280).")]
    if not name:
        errors["name"] = [_("Bắt buộc.")]
    elif len(name) > 120:
        errors["name"] = [_("Tối đa 120 ký tự.")]
    level = LEVELS.get(values.get("level", "").lower())
    if level is None or level not in PARENT_LEVEL[structure]:
        allowed = ", ".join(PARENT_LEVEL[structure])
        errors["level"] = [_("Cấp phải là một trong: %s.") % allowed]
    elif PARENT_LEVEL[structure][level] is None and parent:
        errors["parent"] = [_("Cấp quốc gia không có đơn vị cấp trên.")]
    elif PARENT_LEVEL[structure][level] is not None and not parent and level not in OPTIONAL_PARENT:
        errors["parent"] = [_("Bắt buộc với đơn vị cấp dưới tỉnh.")]
    lat, lon = _number(values.get("lat", ""), errors, "lat"), _number(values.get("lon", ""), errors, "lon")
    if (lat is None) != (lon is None) and "lat" not in errors and "lon" not in errors:
        errors["lat" if lat is None else "lon"] = [_("Cần cả vĩ độ và kinh độ, hoặc để trống cả hai.")]
    elif lat is not None and lon is not None and not in_vietnam(lat, lon):
        errors["lat"] = [_("Tọa độ (%(lat)s, %(lon)s) nằm ngoài Việt Nam.") % {"lat": lat, "lon": lon}]
    difficult = values.get("especially_difficult", "").lower()
    if difficult not in TRUE | FALSE:
        errors["especially_difficult"] = [_("Dùng 1/0 hoặc có/không.")]
    absorbed = [c for c in re.split(r"[\s;,]+", values.get("absorbed", "")) if c]
    if absorbed and (structure != Structure.CURRENT or level != Level.COMMUNE):
        errors["absorbed"] = [_("Chỉ xã trên cây hiện hành mới có xã cũ sáp nhập vào.")]
    if errors or level is None:
        return None, absorbed, errors
    has_difficulty = "especially_difficult" in values
    row = UnitRow(code, name, level, parent, lat, lon, (difficult in TRUE) if has_difficulty else None)
    return row, absorbed, errors


def import_units_csv(*, data: bytes | str, structure: str, progress: ProgressFactory = no_progress) -> LoadResult:
    """Validate every row, then load the tree in one transaction; RowErrors if any row is bad."""
    if structure not in (Structure.CURRENT, Structure.LEGACY):
        raise ValidationError({"structure": [_("Tệp CSV là một cây: chọn current hoặc legacy.")]})
    records = read_rows(data, required=REQUIRED, optional=OPTIONAL)
    in_db = dict(Unit.objects.filter(structure=structure).values_list("code", "level"))
    legacy_codes = set(Unit.objects.filter(structure=Structure.LEGACY).values_list("code", flat=True))
    checked = [(number, *_check_row(values, structure)) for number, values in records]
    # Codes and levels as written, valid rows or not: a repeated code or a child of a bad row is
    # reported against the file as the user sees it.
    in_file = {values.get("code", ""): LEVELS.get(values.get("level", "").lower()) for _n, values in records}
    first_row: dict[str, int] = {}
    bad = []
    for (number, row, absorbed, errors), (_n, values) in zip(checked, records, strict=True):
        code = values.get("code", "")
        if code in first_row:
            errors["code"] = [_("Mã %(code)s trùng với dòng %(row)s.") % {"code": code, "row": first_row[code]}]
        first_row.setdefault(code, number)
        if row:
            if row.code in in_db and in_db[row.code] != row.level:
                errors["level"] = [_("Mã %s đã có trong cơ sở dữ liệu với cấp khác.") % row.code]
            want = PARENT_LEVEL[structure][row.level]
            if row.parent and want and in_file.get(row.parent, in_db.get(row.parent)) != want:
                errors["parent"] = [
                    _("Không có đơn vị cấp trên mã “%(code)s” (cấp %(level)s) trong tệp hay cơ sở dữ liệu.")
                    % {"code": row.parent, "level": Level(want).label}
                ]
            if unknown := [code for code in absorbed if code not in legacy_codes]:
                errors["absorbed"] = [_("Không có trên cây cũ: %s.") % ", ".join(unknown)]
        if errors:
            bad.append({"row": number, "errors": errors})
    if bad:
        raise RowErrors(bad)
    result = LoadResult()
    with transaction.atomic():
        rows = [row for _n, row, _a, _e in checked if row]
        upsert_units(structure=structure, rows=rows, result=result, progress=progress)
        result.absorbed_links = add_absorbed_links(
            (row.code, old) for _n, row, absorbed, _e in checked if row for old in absorbed
        )
    return result
