"""Reading ids and text from GET and POST parameters: one home, for the API and the pages.

`str.isdigit` is not `int`: it accepts "²" and "٣", which `int()` rejects or reads as another
number, and the 500 that followed was the bug. A NUL character cannot be sent to PostgreSQL in a
query (its driver refuses the whole statement). Both are refused here with a message naming the
parameter.

The error is a Django ValidationError, which the API's exception handler answers as
`400 {"name": ["message"]}`, and also a BadRequest, which Django answers on the pages with its
400 page (handler400) instead of a 500.
"""

import re
from collections.abc import Iterable, Mapping

from django.core.exceptions import BadRequest, ValidationError
from django.utils.translation import gettext as _

# Primary keys are 64-bit (BigAutoField): a longer number cannot name a row.
MAX_ID = 2**63 - 1
DIGITS = re.compile(r"[0-9]{1,19}")


class BadParameter(ValidationError, BadRequest):
    def __init__(self, name: str, message: str) -> None:
        super().__init__({name: [message]})


def _values(params: Mapping, name: str) -> list[str]:
    getlist = getattr(params, "getlist", None)
    values = getlist(name) if getlist is not None else [params.get(name)]
    return [value for value in values if value is not None]


def text_param(params: Mapping, name: str, *, max_length: int = 200, default: str = "") -> str:
    """A stripped text parameter, "" (or `default`) when absent; NUL or over-long text refused."""
    raw = params.get(name)
    if raw is None:
        return default
    if "\x00" in raw:
        raise BadParameter(name, _("Không được chứa ký tự NUL."))
    value = raw.strip()
    if len(value) > max_length:
        raise BadParameter(name, _("Tối đa %(n)s ký tự.") % {"n": max_length})
    return value or default


def _to_id(name: str, raw: str) -> int:
    value = raw.strip()
    if not DIGITS.fullmatch(value) or not 1 <= int(value) <= MAX_ID:
        raise BadParameter(name, _("Phải là một mã số (số nguyên dương)."))
    return int(value)


def int_param(params: Mapping, name: str, *, required: bool = False) -> int | None:
    """A positive id (ASCII digits only); None when absent or empty, unless required."""
    raw = text_param(params, name, max_length=40)
    if not raw:
        if required:
            raise BadParameter(name, _("Bắt buộc."))
        return None
    return _to_id(name, raw)


def int_or_none(params: Mapping, name: str) -> int | None:
    """int_param for the pages' filters and hidden fields, whose convention is to fall back
    (ignore a bad filter, answer "not found") rather than refuse the page."""
    try:
        return int_param(params, name)
    except BadParameter:
        return None


def ids_in(values: Iterable[str]) -> list[int]:
    """The ids among posted values (ticked check boxes), the others left out: the pages'
    convention, as for int_or_none."""
    return [int(v) for v in values if DIGITS.fullmatch(v) and 1 <= int(v) <= MAX_ID]


def int_list_param(params: Mapping, name: str, *, max_items: int = 5000) -> list[int]:
    """Ids given as `?name=1,2,3`, as a repeated parameter (form check boxes), or both."""
    parts = []
    for value in _values(params, name):
        if "\x00" in value:
            raise BadParameter(name, _("Không được chứa ký tự NUL."))
        parts += [part for part in value.split(",") if part.strip()]
        if len(parts) > max_items:
            raise BadParameter(name, _("Tối đa %(n)s mã.") % {"n": max_items})
    return [_to_id(name, part) for part in parts]
