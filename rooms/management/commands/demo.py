"""`manage.py demo`: the realistic demo province that `make run` shows. Idempotent.

`--national` adds the whole country's network (rooms.demo.country) on top, for scale."""

from importlib import import_module

from django.core.management.base import BaseCommand, CommandParser

# Each step is a module with `load(*, stdout) -> None`, safe to run again (it adds nothing twice).
STEPS = [
    "rooms.demo.units",  # Lạng Sơn on both trees, endpoints and their rollout, the bridge
    "rooms.demo.national",  # VN at the root, the central MCU and the Government hall, Lạng Sơn cascaded
    "rooms.demo.users",  # one user per role, printed at the end
    "rooms.demo.meetings",  # a year of meetings: briefings, commune meetings, cancellations
    "rooms.demo.national_meetings",  # the Government's monthly conference, through the cascade
    "rooms.demo.groups",  # saved endpoint groups, a meeting booked by former district
    "rooms.demo.attendance",  # check-ins for every past meeting
    "rooms.demo.cdr",  # the MCU's call records of the recent past meetings
    "rooms.demo.worker",  # test calls before meetings, escalations, the technical desk
    "analytics.demo",  # cost models, investments, the history since 2010
    "rooms.demo.natadmin",  # commune operators imported from CSV, a nationwide coverage target
    "rooms.demo.trips",  # the conferences' delegation per site (trips)
    "rooms.demo.approval",  # a department's pending request, days off, a refusal for ports
]
NATIONAL = "rooms.demo.country"  # --national: 34 provinces, 3,321 communes, 35 MCUs


class Command(BaseCommand):
    help = "Load the demo province (Lạng Sơn), or with --national the whole country. Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--only", nargs="*", help="run only these steps (module names)")
        parser.add_argument("--national", action="store_true", help="add the whole country's network (minutes)")
        parser.add_argument("--provinces", type=int, help="with --national: only this many provinces (tests)")
        parser.add_argument("--communes", type=int, help="with --national: rooms in this many communes per province")

    def handle(
        self,
        *args: object,
        only: list[str] | None = None,
        national: bool = False,
        provinces: int | None = None,
        communes: int | None = None,
        **options: object,
    ) -> None:
        for step in STEPS:
            if only and step not in only:
                continue
            self.stdout.write(f"· {step}")
            import_module(step).load(stdout=self.stdout)
        if national:
            self.stdout.write(f"· {NATIONAL}")
            import_module(NATIONAL).load(stdout=self.stdout, provinces=provinces, communes=communes)
        self.stdout.write(self.style.SUCCESS("Demo ready."))
        import_module("rooms.demo.users").print_logins(stdout=self.stdout)
