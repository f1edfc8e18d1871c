from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    # Each role is a Django group of the same name; superusers count as administrators.
    ADMINISTRATOR = "administrator", _("Quản trị")
    STAFF = "staff", _("Văn phòng")
    OPERATOR = "operator", _("Kỹ thuật điểm cầu")
    LEADER = "leader", _("Lãnh đạo")
    # A provincial department asking the office for a meeting: its bookings are pending.
    REQUESTER = "requester", _("Sở, ngành đề nghị")


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile", verbose_name=_("tài khoản")
    )
    # The unit whose subtree this user may book for and act on; null means the whole database.
    home_unit = models.ForeignKey(
        "rooms.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị")
    )
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    # Shown exactly as written, family name first ("Nguyễn Thị Lan"): Django's first/last name
    # pair puts the given name first and garbles Vietnamese names.
    full_name = models.CharField(_("họ và tên"), max_length=150, blank=True)
    job_title = models.CharField(_("chức vụ"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("hồ sơ người dùng")
        verbose_name_plural = _("hồ sơ người dùng")

    def __str__(self) -> str:
        return f"{self.user} @ {self.home_unit or '-'}"


def person_name(user: object) -> str:
    """How a person is shown everywhere: the full name as written; else Django's name fields in
    the Vietnamese order (family name first); else the username."""
    profile = getattr(user, "profile", None) if getattr(user, "pk", None) else None
    full_name = profile.full_name if isinstance(profile, Profile) else ""
    return name_as_written(
        full_name, getattr(user, "last_name", ""), getattr(user, "first_name", ""), getattr(user, "username", "")
    )


def name_as_written(full_name: str, last_name: str, first_name: str, username: str) -> str:
    """person_name from the bare fields (for reads that take values, not users)."""
    if full_name:
        return full_name
    return " ".join(p for p in (last_name, first_name) if p) or username or ""
