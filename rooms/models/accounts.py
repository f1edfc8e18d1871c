from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    # Each role is a Django group of the same name; superusers count as administrators.
    ADMINISTRATOR = "administrator", _("Quản trị")
    STAFF = "staff", _("Văn phòng")
    OPERATOR = "operator", _("Kỹ thuật điểm cầu")
    LEADER = "leader", _("Lãnh đạo")


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile", verbose_name=_("tài khoản")
    )
    # The unit whose subtree this user may book for and act on; null means the whole database.
    home_unit = models.ForeignKey(
        "rooms.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị")
    )
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("hồ sơ người dùng")
        verbose_name_plural = _("hồ sơ người dùng")

    def __str__(self) -> str:
        return f"{self.user} @ {self.home_unit or '-'}"
