"""A recurrence rule in words ("Hằng tuần vào thứ Hai, 6 buổi"), never FREQ=WEEKLY;COUNT=6.

A pure function of the rule and the first start, translated through gettext: the meeting page,
the booking page and its result messages all describe a series the same way.
"""

from datetime import date, datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

WEEKDAY_NAMES = {
    "MO": gettext_lazy("thứ Hai"),
    "TU": gettext_lazy("thứ Ba"),
    "WE": gettext_lazy("thứ Tư"),
    "TH": gettext_lazy("thứ Năm"),
    "FR": gettext_lazy("thứ Sáu"),
    "SA": gettext_lazy("thứ Bảy"),
    "SU": gettext_lazy("Chủ nhật"),
}
WEEKDAYS = list(WEEKDAY_NAMES)
ORDINALS = {
    1: gettext_lazy("đầu tiên"),
    2: gettext_lazy("thứ hai"),
    3: gettext_lazy("thứ ba"),
    4: gettext_lazy("thứ tư"),
    5: gettext_lazy("thứ năm"),
    -1: gettext_lazy("cuối cùng"),
}


def rule_parts(rule: str) -> dict[str, str]:
    raw = (rule or "").strip().upper().removeprefix("RRULE:")
    return dict(part.partition("=")[::2] for part in raw.split(";") if part)


def weekday_phrase(byday: str) -> str:
    """ "MO,WE" → "thứ Hai, thứ Tư"; "+1MO" → "thứ Hai đầu tiên"; "-1FR" → "thứ Sáu cuối cùng"."""
    names = []
    for item in byday.split(","):
        code, ordinal = item[-2:], item[:-2]
        name = str(WEEKDAY_NAMES.get(code, code))
        if ordinal.lstrip("+-").isdecimal() and int(ordinal) in ORDINALS:
            name = _("%(day)s %(ordinal)s") % {"day": name, "ordinal": ORDINALS[int(ordinal)]}
        names.append(name)
    return ", ".join(names)


def monthly_phrase(parts: dict[str, str], first: date | None) -> str:
    if parts.get("BYMONTHDAY") == "-1":
        return _("Hằng tháng vào ngày cuối tháng")
    if "BYDAY" in parts:
        return _("Hằng tháng vào %(days)s") % {"days": weekday_phrase(parts["BYDAY"])}
    day = parts.get("BYMONTHDAY") or (str(first.day) if first else "")
    if not day.isdecimal():
        return _("Hằng tháng")
    text = _("Hằng tháng vào ngày %(day)s") % {"day": day}
    if int(day) > 28:
        text += " " + _("(tháng nào không có ngày %(day)s thì không họp)") % {"day": day}
    return text


def frequency_phrase(parts: dict[str, str], first: date | None) -> str:
    freq = parts.get("FREQ", "")
    interval = int(parts["INTERVAL"]) if parts.get("INTERVAL", "").isdecimal() else 1
    if freq == "DAILY":
        return _("Hằng ngày") if interval == 1 else _("%(n)s ngày một lần") % {"n": interval}
    if freq == "WEEKLY":
        text = _("Hằng tuần") if interval == 1 else _("%(n)s tuần một lần") % {"n": interval}
        days = parts.get("BYDAY") or (WEEKDAYS[first.weekday()] if first else "")
        return text + (" " + _("vào %(days)s") % {"days": weekday_phrase(days)} if days else "")
    if freq == "MONTHLY":
        text = monthly_phrase(parts, first)
        return text if interval == 1 else text + " " + _("(%(n)s tháng một lần)") % {"n": interval}
    if freq == "YEARLY":
        return _("Hằng năm")
    return _("Lặp lại")


def describe_rule(rule: str, *, start: datetime | date | None = None, skipped: int = 0) -> str:
    """ "FREQ=WEEKLY;BYDAY=MO;COUNT=6", 1 skipped → "Hằng tuần vào thứ Hai, 6 buổi, 1 buổi bỏ qua
    vì trùng lịch"."""
    parts = rule_parts(rule)
    first = start.date() if isinstance(start, datetime) else start
    pieces = [frequency_phrase(parts, first)]
    if parts.get("COUNT", "").isdecimal():
        count = int(parts["COUNT"])
        pieces.append(ngettext("%(n)s buổi", "%(n)s buổi", count) % {"n": count})
    elif len(parts.get("UNTIL", "")) >= 8 and parts["UNTIL"][:8].isdecimal():
        until = date(int(parts["UNTIL"][:4]), int(parts["UNTIL"][4:6]), int(parts["UNTIL"][6:8]))
        pieces.append(_("đến hết ngày %(day)s") % {"day": until.strftime("%d/%m/%Y")})
    if skipped:
        pieces.append(
            ngettext("%(n)s buổi bỏ qua vì trùng lịch", "%(n)s buổi bỏ qua vì trùng lịch", skipped) % {"n": skipped}
        )
    return ", ".join(pieces)
