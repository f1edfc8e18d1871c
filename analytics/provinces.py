"""The province of each participation, for `group_by=province` and `province=<code>` on the
savings and usage reports (API.md "The national network"): the province of the participating
endpoint's own unit, not the host's, so a national conference counts in all 34 provinces.

Provinces are keyed by small integers (1, 2, ... in code order; 0: none) so that grouping
millions of participations stays a numeric groupby.
"""

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

NO_PROVINCE = 0


def _codes(places: pd.DataFrame) -> list[str]:
    return sorted({code for code in places["province_code"].astype("object").fillna("").tolist() if code})


def participant_provinces(endpoints: pd.Series | np.ndarray, places: pd.DataFrame) -> np.ndarray:
    """The province key of each endpoint. places: endpoint, province_code (endpoint_places)."""
    keys = {code: number for number, code in enumerate(_codes(places), start=1)}
    per_place = places["province_code"].astype("object").map(keys).fillna(NO_PROVINCE).to_numpy(dtype="int64")
    positions = pd.Index(places["endpoint"]).get_indexer(np.asarray(endpoints, dtype="int64"))
    found = positions >= 0
    result = np.full(len(positions), NO_PROVINCE, dtype="int64")
    result[found] = per_place[positions[found]]
    return result


def province_key(code: str, places: pd.DataFrame) -> int:
    """The key of a province code (-1 when no endpoint of these places is in it)."""
    codes = _codes(places)
    return codes.index(code) + 1 if code in codes else -1


def province_labels(keys: pd.Series, places: pd.DataFrame, units: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(codes, names) of province keys: None and "no province" for endpoints outside any (VN)."""
    codes = [None, *_codes(places)]
    # Legacy first, so the current tree's name of a code wins.
    provinces = units[units["level"] == "province"].sort_values("structure", ascending=False)
    names = dict(zip(provinces["code"].astype("object"), provinces["name"].astype("object"), strict=True))
    numbers = keys.to_numpy(dtype="int64")
    code_of = np.array(codes, dtype="object")[numbers]
    name_of = np.array([names.get(code, code) if code else _("Trung ương / khác") for code in codes], dtype="object")
    return code_of, name_of[numbers]
