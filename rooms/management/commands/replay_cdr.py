"""`manage.py replay_cdr FILE --url http://host/api/bridges/<id>/cdr/?token=...`: post recorded deliveries.

FILE holds Cisco Meeting Server deliveries (one `<records>` document after another) or Pexip
event-sink JSON lines. Each delivery is posted as the MCU would; what the receiver accepted is
printed. For the demo, and for checking an MCU's receiver configuration before pointing it here.
"""

import json
import re
import urllib.error
import urllib.request
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

DOCUMENT = re.compile(rb"(?:<\?xml[^>]*\?>\s*)?<records\b.*?</records>", re.S)


def deliveries(data: bytes) -> tuple[str, list[bytes]]:
    """(content type, bodies) of a recorded file."""
    if data.lstrip()[:1] == b"<":
        return "application/xml", DOCUMENT.findall(data)
    return "application/json", [line for line in data.splitlines() if line.strip()]


class Command(BaseCommand):
    help = "Post recorded CDR deliveries (CMS XML documents or Pexip JSON lines) to a running receiver."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--url", required=True, help="the receiver URL with its ?token=")
        parser.add_argument("--timeout", type=float, default=10.0)

    def handle(self, *args: object, file: str, url: str, timeout: float, **options: object) -> None:
        if not url.startswith(("http://", "https://")):
            raise CommandError("--url must be an http(s) URL")
        content_type, bodies = deliveries(Path(file).read_bytes())
        if not bodies:
            raise CommandError("No delivery found in the file")
        stored = 0
        for number, body in enumerate(bodies, start=1):
            request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": content_type})
            try:
                with urllib.request.urlopen(request, timeout=timeout) as response:
                    answer = response.read().decode()
            except urllib.error.HTTPError as error:
                raise CommandError(f"Delivery {number}: HTTP {error.code} {error.read()[:200]!r}") from None
            except urllib.error.URLError as error:
                raise CommandError(f"Delivery {number}: {error.reason}") from None
            self.stdout.write(f"{number}: {answer}")
            stored += int(json.loads(answer).get("stored", 0))
        self.stdout.write(self.style.SUCCESS(f"{len(bodies)} deliveries posted, {stored} new records stored"))
