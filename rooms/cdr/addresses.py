"""Dial strings as bridges report them, reduced to one comparable form.

A room dialled as `sip:ubnd.tanthanh@langson.gov.vn` may be reported as
`"UBND" <sip:UBND.TanThanh@langson.gov.vn:5060;transport=tls>`, or as `10.20.1.5:1720`: each must
find the same endpoint.
"""

import re
from collections.abc import Iterable

SCHEMES = ("sips:", "sip:", "h323:", "h323id:", "tel:")
MAX_ALIASES = 20
MAX_ALIAS_LENGTH = 200
PORT = re.compile(r":\d{1,5}$")


def normalise(address: str) -> str:
    """Lower case, without display name, scheme, URI parameters or port."""
    text = address.strip()
    if "<" in text and text.endswith(">"):
        text = text[text.rindex("<") + 1 : -1]
    text = text.strip().lower()
    for scheme in SCHEMES:
        if text.startswith(scheme):
            text = text[len(scheme) :]
            break
    text = text.split(";", 1)[0]
    if text.count(":") == 1:  # host:port or user@host:port (IPv6 literals keep their colons)
        text = PORT.sub("", text)
    return text


def user_part(address: str) -> str:
    """ "1234" of "1234@cms.langson.gov.vn": an E.164 or H.323 number dialled through a domain."""
    return address.split("@", 1)[0]


def alias_table(rows: Iterable[tuple[int, str, list]]) -> dict[str, int]:
    """{normalised dial string: endpoint id} from (endpoint id, dial_address, aliases) rows. A
    string two rooms share names neither: a leg is never given to a room by a guess."""
    table: dict[str, int] = {}
    shared: set[str] = set()
    for endpoint_id, dial_address, aliases in rows:
        for address in {normalise(a) for a in [dial_address, *(aliases or [])] if isinstance(a, str) and a.strip()}:
            if table.get(address, endpoint_id) != endpoint_id:
                shared.add(address)
            table[address] = endpoint_id
    for address in shared:
        del table[address]
    return table


def endpoint_of(remote: str, table: dict[str, int]) -> int | None:
    return table.get(remote) or table.get(user_part(remote))
