"""Demo: the invitations of the monthly province–commune conferences call two delegates per site
(the chairman and one official), so their savings count at most two travellers per room while
the briefings keep the cost model's default. Idempotent."""

from django.core.management.base import OutputWrapper

from rooms.models import Meeting

CONFERENCE_TITLES = ["Hội nghị trực tuyến tỉnh – huyện – xã", "Hội nghị trực tuyến tỉnh – xã"]
CONFERENCE_DELEGATES = 2


def load(*, stdout: OutputWrapper) -> None:
    changed = Meeting.objects.filter(title__in=CONFERENCE_TITLES, delegates_per_site__isnull=True).update(
        delegates_per_site=CONFERENCE_DELEGATES
    )
    stdout.write(f"  trips: {changed} conferences set to {CONFERENCE_DELEGATES} delegates per site")
