"""Administrative units on both trees, loaded from the packaged `vietnamadminunits` data (MIT).

Every load is an upsert on (structure, code): running it again changes nothing, a renamed unit
is renamed, and no unit is ever deleted (endpoints and users point at them). A tree a user
prepared as CSV goes through the same upsert (rooms/services/units_csv.py).
"""

import functools
import json
import sqlite3
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import vietnamadminunits
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from rooms.models import Level, Structure, Unit
from rooms.services.islands import island_codes

DATA_DIR = Path(vietnamadminunits.__file__).resolve().parent / "data"
BOTH = "both"
ALL = "all"
# The same box as the Unit constraints unit_lat_in_vietnam / unit_lon_in_vietnam (islands included).
LAT_BOUNDS = (8.0, 24.0)
LON_BOUNDS = (102.0, 118.0)
BATCH_SIZE = 500
LEVEL_ORDER: list[str] = [Level.COUNTRY, Level.PROVINCE, Level.DISTRICT, Level.COMMUNE]


class ProgressBar(Protocol):
    def update(self, n: int = 1) -> Any: ...
    def close(self) -> Any: ...


# `progress(total=..., desc=...)` returns a bar; the command passes tqdm, services default to none.
ProgressFactory = Callable[..., ProgressBar]


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def no_progress(**kwargs: object) -> ProgressBar:
    return _NoBar()


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    level: str
    parent: str | None  # the parent's code on the same tree
    lat: float | None = None
    lon: float | None = None
    # None: keep what the database has (the packaged data does not know this classification).
    especially_difficult: bool | None = None


@dataclass
class LoadResult:
    # (structure, level) -> [units in the loaded set, of which newly created]
    counts: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    absorbed_links: int = 0

    def add(self, structure: str, level: str, total: int, created: int) -> None:
        entry = self.counts.setdefault((structure, level), [0, 0])
        entry[0] += total
        entry[1] += created

    def lines(self) -> list[str]:
        out = []
        for structure in (Structure.LEGACY, Structure.CURRENT):
            parts = [
                f"{Level(level).label}: {self.counts[(structure, level)][0]}"
                f" ({self.counts[(structure, level)][1]} {_('mới')})"
                for level in LEVEL_ORDER
                if (structure, level) in self.counts
            ]
            if parts:
                out.append(f"{Structure(structure).label} — " + ", ".join(parts))
        if self.absorbed_links:
            out.append(_("Liên kết xã mới ← xã cũ thêm mới: %s") % self.absorbed_links)
        return out


def in_vietnam(lat: float, lon: float) -> bool:
    return LAT_BOUNDS[0] <= lat <= LAT_BOUNDS[1] and LON_BOUNDS[0] <= lon <= LON_BOUNDS[1]


def located(lat: float | None, lon: float | None) -> tuple[float | None, float | None]:
    # The packaged geocodes are rough; a point outside the country is dropped rather than stored wrong.
    if lat is None or lon is None or not in_vietnam(lat, lon):
        return None, None
    return round(float(lat), 6), round(float(lon), 6)


# --- the packaged data ----------------------------------------------------------------------


def _query(sql: str, params: Iterable = ()) -> list[tuple]:
    with closing(sqlite3.connect(f"file:{DATA_DIR / 'dataset.db'}?mode=ro", uri=True)) as db:
        return db.execute(sql, tuple(params)).fetchall()


@functools.cache
def packaged_provinces() -> dict[str, dict[str, str]]:
    """{structure: {province code: name}} as the package ships them."""
    return {
        Structure.CURRENT: dict(_query("SELECT DISTINCT provinceCode, province FROM admin_units")),
        Structure.LEGACY: dict(_query("SELECT DISTINCT provinceCode, province FROM admin_units_legacy")),
    }


@functools.cache
def _converter() -> dict:
    # converter_2025.json keys units by accent-free names: province, then province_district_ward.
    return json.loads((DATA_DIR / "converter_2025.json").read_text(encoding="utf-8"))


@functools.cache
def _province_keys() -> tuple[dict[str, str], dict[str, str]]:
    current = dict(_query("SELECT DISTINCT provinceKey, provinceCode FROM admin_units"))
    legacy = dict(_query("SELECT DISTINCT provinceKey, provinceCode FROM admin_units_legacy"))
    return current, legacy


@functools.cache
def province_predecessors() -> dict[str, tuple[str, ...]]:
    """Current province code -> the legacy province codes merged into it on 1 July 2025."""
    current_keys, legacy_keys = _province_keys()
    return {
        current_keys[new]: tuple(sorted(legacy_keys[old] for old in olds))
        for new, olds in _converter()["DICT_PROVINCE"].items()
    }


def province_successor(legacy_code: str) -> str | None:
    return next((new for new, olds in province_predecessors().items() if legacy_code in olds), None)


def provinces_to_load(province: str, structure: str) -> dict[str, list[str]]:
    """Which provinces of which tree a `--province` value means. With both trees, a province
    brings its counterparts: current Thái Nguyên (19) comes with legacy Bắc Kạn (06) and Thái
    Nguyên, so the communes each new commune absorbed are there to link."""
    known = packaged_provinces()
    wanted: dict[str, set[str]] = {Structure.CURRENT: set(), Structure.LEGACY: set()}
    if province.strip().lower() == ALL:
        codes = sorted(set(known[Structure.CURRENT]) | set(known[Structure.LEGACY]))
    else:
        codes = [code.strip() for code in province.split(",") if code.strip()]
    if not codes:
        raise ValidationError({"province": [_("Cho biết mã tỉnh (ví dụ 20) hoặc “all”.")]})
    trees: list[str] = [Structure.CURRENT, Structure.LEGACY] if structure == BOTH else [structure]
    for code in codes:
        found = False
        for tree in trees:
            if code in known[tree]:
                wanted[tree].add(code)
                found = True
        if structure == BOTH:
            if code in known[Structure.CURRENT]:
                wanted[Structure.LEGACY].update(province_predecessors().get(code, ()))
            if code in known[Structure.LEGACY] and (successor := province_successor(code)):
                wanted[Structure.CURRENT].add(successor)
        if found:
            continue
        if structure == Structure.CURRENT and (successor := province_successor(code)):
            message = _("Tỉnh mã %(code)s đã nhập vào tỉnh mã %(new)s từ 1/7/2025.") % {"code": code, "new": successor}
        else:
            message = _("Không có tỉnh mã “%(code)s” trong dữ liệu. Mã hợp lệ: %(valid)s.") % {
                "code": code,
                "valid": ", ".join(sorted(known[Structure.CURRENT if structure == BOTH else structure])),
            }
        raise ValidationError({"province": [message]})
    if structure == Structure.CURRENT or structure == Structure.LEGACY:
        wanted = {structure: wanted[structure]}
    return {tree: sorted(codes) for tree, codes in wanted.items() if codes}


def packaged_rows(structure: str, province_codes: Iterable[str]) -> list[UnitRow]:
    """Units of these provinces on one tree, parents before children."""
    codes = sorted(set(province_codes))
    marks = ",".join("?" * len(codes))
    rows: dict[str, UnitRow] = {}
    if structure == Structure.CURRENT:
        records = _query(
            "SELECT provinceCode, province, provinceLat, provinceLon, wardCode, ward, wardLat, wardLon"
            f" FROM admin_units WHERE provinceCode IN ({marks}) ORDER BY provinceCode, wardCode",
            codes,
        )
        for p_code, p_name, p_lat, p_lon, w_code, w_name, w_lat, w_lon in records:
            rows.setdefault(p_code, UnitRow(p_code, p_name, Level.PROVINCE, None, *located(p_lat, p_lon)))
            rows[w_code] = UnitRow(w_code, w_name, Level.COMMUNE, p_code, *located(w_lat, w_lon))
    else:
        records = _query(
            "SELECT provinceCode, province, provinceLat, provinceLon, districtCode, district, districtLat,"
            " districtLon, wardCode, ward, wardLat, wardLon FROM admin_units_legacy"
            f" WHERE provinceCode IN ({marks}) ORDER BY provinceCode, districtCode, wardCode",
            codes,
        )
        for p_code, p_name, p_lat, p_lon, d_code, d_name, d_lat, d_lon, w_code, w_name, w_lat, w_lon in records:
            rows.setdefault(p_code, UnitRow(p_code, p_name, Level.PROVINCE, None, *located(p_lat, p_lon)))
            rows.setdefault(d_code, UnitRow(d_code, d_name, Level.DISTRICT, p_code, *located(d_lat, d_lon)))
            # Island districts (Côn Đảo, Lý Sơn, ...) had no communes: their row has no ward.
            if w_code:
                rows[w_code] = UnitRow(w_code, w_name, Level.COMMUNE, d_code, *located(w_lat, w_lon))
    return sorted(rows.values(), key=lambda row: LEVEL_ORDER.index(row.level))


@functools.cache
def _absorption() -> tuple[tuple[str, str, bool], ...]:
    """Every (current commune code, legacy unit code, is the default successor) of the merger.

    A legacy commune split between several new communes is absorbed by each of them; the
    package marks one as its default successor. An island district with no communes is
    absorbed as a whole by its special zone (đặc khu)."""
    current = {(pk, wk): code for pk, wk, code in _query("SELECT provinceKey, wardKey, wardCode FROM admin_units")}
    legacy = {
        f"{pk}_{dk}_{wk}": code
        for pk, dk, wk, code in _query("SELECT provinceKey, districtKey, wardKey, wardCode FROM admin_units_legacy")
        if code
    }
    legacy.update(
        {
            f"{pk}_{dk}_": code
            for pk, dk, code in _query(
                "SELECT provinceKey, districtKey, districtCode FROM admin_units_legacy WHERE wardCode IS NULL"
            )
        }
    )
    data = _converter()
    pairs = []
    for province_key, wards in data["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward_key, old_keys in wards.items():
            pairs += [(current[(province_key, ward_key)], legacy[key], True) for key in old_keys if key in legacy]
    for province_key, olds in data["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, news in olds.items():
            if old_key in legacy:
                pairs += [
                    (current[(province_key, new["newWardKey"])], legacy[old_key], bool(new["isDefaultNewWard"]))
                    for new in news
                    if (province_key, new["newWardKey"]) in current
                ]
    return tuple(pairs)


def successor_codes() -> dict[str, str]:
    """Legacy unit code -> the current commune that took it over (its default successor)."""
    return {old: new for new, old, default in _absorption() if default}


# --- writing --------------------------------------------------------------------------------


def root_of(row: UnitRow, roots: list[int]) -> int | None:
    """The parent of a unit given without one: a province goes under the tree's national root (VN)
    when the tree has one, so reloading a province never cuts it off the country."""
    return roots[0] if row.level == Level.PROVINCE and len(roots) == 1 else None


def upsert_units(
    *, structure: str, rows: list[UnitRow], result: LoadResult, progress: ProgressFactory = no_progress
) -> None:
    """Insert or update these units (parents first) on one tree, in batches."""
    existing = set(Unit.objects.filter(structure=structure).values_list("code", flat=True))
    roots = list(Unit.objects.filter(structure=structure, level=Level.COUNTRY).values_list("pk", flat=True))
    bar = progress(total=len(rows), desc=f"{structure}")
    try:
        for level in LEVEL_ORDER:
            batch = [row for row in rows if row.level == level]
            if not batch:
                continue
            parents = dict(
                Unit.objects.filter(structure=structure).exclude(level=Level.COMMUNE).values_list("code", "pk")
            )
            keep_difficulty = all(row.especially_difficult is None for row in batch)
            fields = ["name", "level", "parent", "lat", "lon"] + ([] if keep_difficulty else ["especially_difficult"])
            for start in range(0, len(batch), BATCH_SIZE):
                chunk = batch[start : start + BATCH_SIZE]
                Unit.objects.bulk_create(
                    [
                        Unit(
                            structure=structure,
                            code=row.code,
                            name=row.name,
                            level=row.level,
                            parent_id=parents[row.parent] if row.parent else root_of(row, roots),
                            lat=row.lat,
                            lon=row.lon,
                            especially_difficult=bool(row.especially_difficult),
                        )
                        for row in chunk
                    ],
                    update_conflicts=True,
                    unique_fields=["structure", "code"],
                    update_fields=fields,
                )
                bar.update(len(chunk))
            result.add(structure, level, len(batch), sum(row.code not in existing for row in batch))
        # trips: islands and special zones get no road estimate; a flag set by hand is kept.
        Unit.objects.filter(structure=structure, code__in=island_codes(rows)).update(island=True)
    finally:
        bar.close()


def add_absorbed_links(pairs: Iterable[tuple[str, str]]) -> int:
    """Link current communes to the legacy units they absorbed: (current code, legacy code) pairs
    whose two units are both in the database; returns how many links are new."""
    pairs = set(pairs)
    if not pairs:
        return 0
    current_codes = {new for new, _old in pairs}
    current = dict(Unit.objects.filter(structure=Structure.CURRENT, level=Level.COMMUNE).values_list("code", "pk"))
    legacy = dict(
        Unit.objects.filter(structure=Structure.LEGACY).exclude(level=Level.PROVINCE).values_list("code", "pk")
    )
    through = Unit.absorbed.through
    have = set(through.objects.filter(from_unit__structure=Structure.CURRENT).values_list("from_unit_id", "to_unit_id"))
    wanted = {
        (current[new], legacy[old]) for new, old in pairs if new in current_codes and new in current and old in legacy
    }
    missing = sorted(wanted - have)
    through.objects.bulk_create(
        [through(from_unit_id=a, to_unit_id=b) for a, b in missing], batch_size=BATCH_SIZE, ignore_conflicts=True
    )
    return len(missing)


def link_packaged_absorption(current_province_codes: Iterable[str] | None = None) -> int:
    """Link the merger as the package records it, for these current provinces (None: all)."""
    pairs = _absorption()
    if current_province_codes is not None:
        codes = set(current_province_codes)
        by_province = dict(_query("SELECT wardCode, provinceCode FROM admin_units"))
        pairs = tuple(pair for pair in pairs if by_province.get(pair[0]) in codes)
    return add_absorbed_links((new, old) for new, old, _default in pairs)


@transaction.atomic
def load_packaged_units(*, province: str, structure: str, progress: ProgressFactory = no_progress) -> LoadResult:
    """Load one province (a code, several codes separated by commas, or "all") on the current
    tree, the legacy tree or both, then link each current commune to the legacy units it absorbed."""
    if structure not in (Structure.CURRENT, Structure.LEGACY, BOTH):
        raise ValidationError({"structure": [_("Chọn current, legacy hoặc both.")]})
    plan = provinces_to_load(province, structure)
    result = LoadResult()
    for tree in (Structure.LEGACY, Structure.CURRENT):
        if tree in plan:
            upsert_units(structure=tree, rows=packaged_rows(tree, plan[tree]), result=result, progress=progress)
    # Linking needs both sides: after loading either tree, link every current province concerned.
    current = set(plan.get(Structure.CURRENT, ()))
    current |= {s for code in plan.get(Structure.LEGACY, ()) if (s := province_successor(code))}
    result.absorbed_links = link_packaged_absorption(current)
    return result
