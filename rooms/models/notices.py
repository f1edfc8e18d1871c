"""What the worker did (rooms/jobs.py): one row per message of the readiness ladder.

The unique constraint is the claim. A job inserts the row first and sends after, in one
transaction, so a restart, a missed tick or two workers running at once never send a message
twice: the second insert of the same (kind, meeting, endpoint) waits for the first and adds nothing.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    REMINDER = "reminder", _("Nhắc lịch hôm trước")
    ESCALATION = "escalation", _("Báo bàn kỹ thuật")


class Notice(models.Model):
    kind = models.CharField(_("loại"), max_length=12, choices=NoticeKind.choices)
    meeting = models.ForeignKey(
        "rooms.Meeting", on_delete=models.CASCADE, related_name="notices", db_index=False, verbose_name=_("cuộc họp")
    )
    endpoint = models.ForeignKey(
        "rooms.Endpoint", on_delete=models.CASCADE, related_name="+", verbose_name=_("điểm cầu")
    )
    sent_at = models.DateTimeField(_("gửi lúc"))
    # Who was told (operators' or the desk's addresses); empty when nobody had an address.
    sent_to = models.CharField(_("gửi tới"), max_length=500, blank=True, default="")

    class Meta:
        verbose_name = _("thông báo tự động")
        verbose_name_plural = _("thông báo tự động")
        # Also the index of "already sent?" (leads with the kind, then the meeting).
        constraints = [models.UniqueConstraint(fields=["kind", "meeting", "endpoint"], name="notice_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.endpoint_id}@{self.meeting_id}"


class NoticeMail(models.Model):
    """A message the tick decided to send (rooms/services/notice_mail.py): written by the tick,
    sent by the worker's deliver_notice_mail with retries. The unique key makes a second copy
    of the same message impossible; sent_at, set under a row lock, makes a second send impossible."""

    kind = models.CharField(_("loại"), max_length=12, choices=NoticeKind.choices)
    meeting = models.ForeignKey(
        "rooms.Meeting", on_delete=models.CASCADE, related_name="notice_mails", verbose_name=_("cuộc họp")
    )
    recipient = models.CharField(_("người nhận"), max_length=254)
    subject = models.CharField(_("tiêu đề"), max_length=300)
    body = models.TextField(_("nội dung"))
    created_at = models.DateTimeField(_("tạo lúc"))
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("số lần thử"), default=0)
    last_error = models.CharField(_("lỗi gần nhất"), max_length=500, blank=True, default="")

    class Meta:
        verbose_name = _("thư thông báo tự động")
        verbose_name_plural = _("thư thông báo tự động")
        constraints = [models.UniqueConstraint(fields=["kind", "meeting", "recipient"], name="notice_mail_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.recipient}@{self.meeting_id}"
