"""What a meeting's title and description may contain, for the API, the booking page and the
calendar import alike.

Both go into invitations and the rooms' calendar feeds. A bare CR, a line or paragraph separator
(U+2028, U+2029), NEL, VT, FF or another control character passes through the iCalendar writer
unescaped, and strict calendar clients then refuse the whole feed; in a title a line break also
breaks the e-mail subject. A description may hold line breaks (LF or CRLF) and tabs.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_DESCRIPTION = 5000

# Every C0 and C1 control character (NEL, VT, FF and CR among them), DEL, U+2028 and U+2029.
_IN_TITLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# The same in a description, where TAB, LF and the CR of a CRLF are text.
_IN_DESCRIPTION = re.compile(r"\r(?!\n)|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def _first_bad(pattern: re.Pattern[str], value: str) -> str | None:
    found = pattern.search(value)
    return None if found is None else f"U+{ord(found.group()):04X}"


def validate_title(value: str) -> None:
    if character := _first_bad(_IN_TITLE, value):
        raise ValidationError(
            _("Tiêu đề không được chứa xuống dòng hay ký tự điều khiển (%(char)s).") % {"char": character}
        )


def validate_description(value: str) -> None:
    if character := _first_bad(_IN_DESCRIPTION, value):
        raise ValidationError(
            _("Nội dung chỉ được xuống dòng bằng LF hoặc CRLF, không chứa ký tự điều khiển (%(char)s).")
            % {"char": character}
        )
