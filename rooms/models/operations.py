"""Operations as the provinces run them: days off, department requests, port refusals."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class DayOffKind(models.TextChoices):
    DAY_OFF = "day_off", _("Ngày nghỉ")
    # The Government's yearly day swaps: a Saturday worked to make up for a bridged day off.
    WORKING_DAY = "working_day", _("Ngày làm bù")


class DayOff(models.Model):
    """A day the calendar of the `holidays` package does not know: a province's own day off, a
    swapped day off, or a make-up working day. Blank province: the whole country."""

    date = models.DateField(_("ngày"))
    name = models.CharField(_("tên"), max_length=200)
    kind = models.CharField(_("loại"), max_length=12, choices=DayOffKind.choices, default=DayOffKind.DAY_OFF)
    province_code = models.CharField(_("mã tỉnh"), max_length=10, blank=True, default="")
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("ngày nghỉ, ngày làm bù")
        verbose_name_plural = _("ngày nghỉ, ngày làm bù")
        ordering = ["date", "province_code"]
        constraints = [
            models.UniqueConstraint(fields=["date", "province_code"], name="dayoff_once_per_day_and_province"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class RequestDecision(models.TextChoices):
    APPROVED = "approved", _("Đã duyệt")
    REJECTED = "rejected", _("Bị từ chối")


class MeetingRequest(models.Model):
    """A department's booking while it waits for the office, and the office's answer. The meeting
    itself is pending, then scheduled (approved) or cancelled (rejected, with the reason here)."""

    meeting = models.OneToOneField(
        "rooms.Meeting", on_delete=models.CASCADE, related_name="request", verbose_name=_("cuộc họp")
    )
    answer_due = models.DateTimeField(_("hạn trả lời"))
    decision = models.CharField(_("kết quả"), max_length=10, choices=RequestDecision.choices, blank=True, default="")
    reason = models.TextField(_("lý do"), blank=True, default="")
    answered_at = models.DateTimeField(_("trả lời lúc"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người trả lời"),
    )
    # Set once the overdue request was escalated to the office, so the tick sends it only once.
    escalated_at = models.DateTimeField(_("đã nhắc văn phòng lúc"), null=True, blank=True)
    escalated_to = models.TextField(_("đã nhắc tới"), blank=True, default="")

    class Meta:
        verbose_name = _("đề nghị tổ chức họp")
        verbose_name_plural = _("đề nghị tổ chức họp")
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="", answered_at__isnull=True) | (~Q(decision="") & Q(answered_at__isnull=False)),
                name="meetingrequest_answer_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(decision="rejected") | ~Q(reason=""), name="meetingrequest_rejection_has_reason"
            ),
        ]
        # Serves the escalation tick: unanswered requests not yet escalated, by due time.
        indexes = [
            models.Index(
                fields=["answer_due"],
                name="meetingrequest_open_idx",
                condition=Q(decision="", escalated_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}: {self.decision or 'pending'}"


class PortRefusal(models.Model):
    """A booking refused because a bridge had too few free ports: written after the refused
    transaction rolled back, so capacity planning sees the demand the bridge could not take."""

    bridge = models.ForeignKey(
        "rooms.Bridge", on_delete=models.CASCADE, related_name="port_refusals", verbose_name=_("MCU")
    )
    at = models.DateTimeField(_("lúc"))
    start = models.DateTimeField(_("bắt đầu"))
    end = models.DateTimeField(_("kết thúc"))
    ports_needed = models.PositiveIntegerField(_("số cổng cần"))
    ports_free = models.PositiveIntegerField(_("số cổng còn trống"))
    meeting_title = models.CharField(_("tiêu đề cuộc họp"), max_length=200, blank=True, default="")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("người đặt"),
    )

    class Meta:
        verbose_name = _("lần thiếu cổng MCU")
        verbose_name_plural = _("lần thiếu cổng MCU")
        ordering = ["-at"]
        constraints = [models.CheckConstraint(condition=Q(end__gt=F("start")), name="portrefusal_ends_after_start")]
        indexes = [models.Index(fields=["bridge", "start"], name="portrefusal_bridge_start_idx")]

    def __str__(self) -> str:
        return f"{self.bridge_id} {self.start:%Y-%m-%d %H:%M}"
