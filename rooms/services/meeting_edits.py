"""Changes to a booked meeting that do not move it: the delegation per site its invitation names
("Thành phần: mỗi điểm cầu N người"), which the savings count travellers by."""

from django.contrib.auth.models import User
from django.db import transaction

from rooms.models import Meeting
from rooms.services.booking_rules import require_booker


def set_delegates_per_site(*, meeting: Meeting, actor: User, delegates_per_site: int | None) -> Meeting:
    """Set the people per site (None: the cost model's default); saved through the model, so the
    audit trail records the change, and the savings read it from then on."""
    require_booker(actor)
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.delegates_per_site != delegates_per_site:
            meeting.delegates_per_site = delegates_per_site
            meeting.save(update_fields=["delegates_per_site", "updated_at"])
    return meeting
