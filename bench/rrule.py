"""Benchmark: CPU seconds to read and expand the costliest RRULE a client can send.

    .venv/bin/python bench/rrule.py

`FREQ=DAILY;BYSETPOS=1;BYMONTH=2;BYMONTHDAY=30;UNTIL=99991231T000000Z` asks for a date that
never comes (30 February): dateutil searches day after day until its UNTIL. Booking expands a
rule only up to the booking horizon, so the figure is the cost of searching the horizon
(goal < 0.5 s; unbounded it was 9–11 s). Nothing touches a database.
"""

import os
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vconf.settings")

WORST = "FREQ=DAILY;BYSETPOS=1;BYMONTH=2;BYMONTHDAY=30;UNTIL=99991231T000000Z"


def main() -> None:
    import django

    django.setup()
    from django.core.exceptions import ValidationError

    from rooms.services.booking_recurrence import expand, parse_rule

    now = datetime(2026, 3, 2, 8, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    start, end = now.replace(day=3, hour=9), now.replace(day=3, hour=10)
    began = time.process_time()
    try:
        outcome = f"{len(expand(parse_rule(WORST, start=start, now=now), start=start, end=end, now=now))} meetings"
    except ValidationError as refused:
        outcome = f"refused: {refused.messages[0]}"
    seconds = time.process_time() - began
    print(f"{WORST}: {seconds:.3f} CPU s (goal < 0.5 s), {outcome}")


if __name__ == "__main__":
    main()
