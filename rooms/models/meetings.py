import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from vconf.limits import MAX_PEOPLE


def new_uid() -> str:
    return f"{uuid.uuid4()}@vconf"


class MeetingStatus(models.TextChoices):
    # Stored: pending, scheduled or cancelled. In progress and held follow from the clock (see
    # Meeting.state_at), so no background worker has to flip them. A pending meeting is a
    # department's request awaiting the office (rooms/services/approval.py); a rejected request is
    # cancelled, its reason on its MeetingRequest, so consumers of "cancelled" need not learn more.
    PENDING = "pending", _("Chờ duyệt")
    SCHEDULED = "scheduled", _("Đã lên lịch")
    IN_PROGRESS = "in_progress", _("Đang họp")
    HELD = "held", _("Đã họp")
    CANCELLED = "cancelled", _("Đã hủy")


class Series(models.Model):
    """A recurring meeting (the Monday briefing): its occurrences are ordinary meetings."""

    uid = models.CharField(_("UID"), max_length=120, unique=True, default=new_uid)
    title = models.CharField(_("tiêu đề"), max_length=200)
    rrule = models.CharField(_("quy tắc lặp"), max_length=500)
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("người đặt")
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("chuỗi lịch họp")
        verbose_name_plural = _("chuỗi lịch họp")

    def __str__(self) -> str:
        return self.title


class Meeting(models.Model):
    uid = models.CharField(_("UID"), max_length=120, unique=True, default=new_uid)
    title = models.CharField(_("tiêu đề"), max_length=200)
    description = models.TextField(_("mô tả"), blank=True)
    host = models.ForeignKey(
        "rooms.Endpoint", on_delete=models.PROTECT, related_name="hosted_meetings", verbose_name=_("điểm cầu chủ trì")
    )
    endpoints = models.ManyToManyField(
        "rooms.Endpoint", through="rooms.Participation", related_name="meetings", verbose_name=_("điểm cầu")
    )
    bridge = models.ForeignKey(
        "rooms.Bridge", null=True, blank=True, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("MCU")
    )
    start = models.DateTimeField(_("bắt đầu"))
    end = models.DateTimeField(_("kết thúc"))
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="organized_meetings",
        verbose_name=_("người đặt"),
    )
    status = models.CharField(
        _("trạng thái"),
        max_length=12,
        choices=[
            (MeetingStatus.PENDING, MeetingStatus.PENDING.label),
            (MeetingStatus.SCHEDULED, MeetingStatus.SCHEDULED.label),
            (MeetingStatus.CANCELLED, MeetingStatus.CANCELLED.label),
        ],
        default=MeetingStatus.SCHEDULED,
    )
    # iCalendar SEQUENCE: grows with every change a calendar client must see.
    sequence = models.PositiveIntegerField(_("số phiên bản"), default=0)
    series = models.ForeignKey(
        Series, null=True, blank=True, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("chuỗi lịch")
    )
    # For an occurrence of a series: its start as the rule generated it (iCalendar RECURRENCE-ID).
    recurrence_id = models.DateTimeField(_("buổi gốc của chuỗi"), null=True, blank=True)
    # Imported past meetings (history backfill) are not subject to the booking rules.
    imported = models.BooleanField(_("nhập từ lịch sử"), default=False)
    # Why an administrator booked a start on a day off (rooms/services/days_off.py); the audit
    # trail records it with the booking.
    holiday_override_reason = models.CharField(_("lý do đặt vào ngày nghỉ"), max_length=300, blank=True, default="")
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("sửa lúc"), auto_now=True)
    cancelled_at = models.DateTimeField(_("hủy lúc"), null=True, blank=True)
    # The e-mail (invitation, change, cancellation) that could not be sent after the booking
    # committed, for staff to resend (rooms/services/invitations.py); blank when all went out.
    invitations_unsent = models.CharField(_("thư chưa gửi được"), max_length=12, blank=True, default="")
    # The delegation the invitation names per site (giấy mời: "mỗi điểm cầu N người"): at most
    # this many of a room's attendees would have travelled. Null: the cost model's default.
    delegates_per_site = models.PositiveIntegerField(_("số đại biểu mỗi điểm cầu"), null=True, blank=True)

    class Meta:
        verbose_name = _("cuộc họp")
        verbose_name_plural = _("cuộc họp")
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="meeting_ends_after_start"),
            models.CheckConstraint(
                condition=Q(status__in=["scheduled", "pending"], cancelled_at__isnull=True)
                | Q(status="cancelled", cancelled_at__isnull=False),
                name="meeting_cancelled_has_time",
            ),
            models.CheckConstraint(
                condition=Q(delegates_per_site__isnull=True)
                | Q(delegates_per_site__gte=1, delegates_per_site__lte=MAX_PEOPLE),
                name="meeting_delegates_per_site_in_range",
            ),
        ]
        indexes = [models.Index(fields=["start", "end"], name="meeting_time_idx")]

    def __str__(self) -> str:
        return self.title

    def state_at(self, now: datetime) -> str:
        if self.status == MeetingStatus.CANCELLED:
            return MeetingStatus.CANCELLED
        if self.status == MeetingStatus.PENDING:
            # Until the office answers, whatever the clock says (an unanswered request is escalated).
            return MeetingStatus.PENDING
        if now < self.start:
            return MeetingStatus.SCHEDULED
        if now < self.end:
            return MeetingStatus.IN_PROGRESS
        return MeetingStatus.HELD


class Participation(models.Model):
    """An endpoint booked into a meeting (the host too). Start, end and `active` copy the
    meeting's so the database can refuse overlapping bookings of one endpoint by itself."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="participations", verbose_name=_("cuộc họp")
    )
    endpoint = models.ForeignKey(
        "rooms.Endpoint", on_delete=models.PROTECT, related_name="participations", verbose_name=_("điểm cầu")
    )
    is_host = models.BooleanField(_("chủ trì"), default=False)
    start = models.DateTimeField(_("bắt đầu"))
    end = models.DateTimeField(_("kết thúc"))
    # False once the meeting is cancelled: cancelled meetings are kept but hold no endpoint.
    active = models.BooleanField(_("còn tham gia"), default=True)

    class Meta:
        verbose_name = _("điểm cầu tham gia")
        verbose_name_plural = _("điểm cầu tham gia")
        ordering = ["meeting", "endpoint"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "endpoint"], name="participation_once"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="participation_ends_after_start"),
        ]
        # Serves the conflict query: live bookings of these endpoints overlapping [start, end).
        # The no-overlap rule itself is in migration 0002 (exclusion constraint or trigger).
        indexes = [
            models.Index(fields=["endpoint", "start", "end"], name="participation_busy_idx", condition=Q(active=True))
        ]

    def __str__(self) -> str:
        return f"{self.endpoint_id} in {self.meeting_id}"
