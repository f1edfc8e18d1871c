"""`manage.py demo`: the realistic demo province that `make run` shows. Idempotent."""

from importlib import import_module

from django.core.management.base import BaseCommand, CommandParser

# Each step is a module with `load(*, stdout) -> None`, safe to run again (it adds nothing twice).
STEPS = [
    "rooms.demo.units",  # Lạng Sơn on both trees, endpoints and their rollout, the bridge
    "rooms.demo.users",  # one user per role, printed at the end
    "rooms.demo.meetings",  # a year of meetings: briefings, commune meetings, cancellations
    "rooms.demo.groups",  # saved endpoint groups, a meeting booked by former district
    "rooms.demo.attendance",  # check-ins for every past meeting
    "rooms.demo.worker",  # test calls before meetings, escalations, the technical desk
    "analytics.demo",  # cost models, investments, the history since 2010
]


class Command(BaseCommand):
    help = "Load the demo province (Lạng Sơn). Safe to run again: it adds nothing twice."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--only", nargs="*", help="run only these steps (module names)")

    def handle(self, *args: object, only: list[str] | None = None, **options: object) -> None:
        for step in STEPS:
            if only and step not in only:
                continue
            self.stdout.write(f"· {step}")
            import_module(step).load(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo ready."))
        import_module("rooms.demo.users").print_logins(stdout=self.stdout)
