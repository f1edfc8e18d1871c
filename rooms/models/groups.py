from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class EndpointGroup(models.Model):
    """A named, saved selection of rooms ("Khối huyện cũ Cao Lộc", "Các xã biên giới") that staff
    book in one tick, as a Cisco TMS phone book or a Poly template does."""

    name = models.CharField(_("tên nhóm"), max_length=120)
    endpoints = models.ManyToManyField("rooms.Endpoint", related_name="groups", verbose_name=_("điểm cầu"))
    # Who made it: they (and administrators) may change it; other staff may book with it.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("người tạo")
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("nhóm điểm cầu")
        verbose_name_plural = _("nhóm điểm cầu")
        # One name means one group for every office: "Các xã biên giới" twice would be a trap.
        constraints = [models.UniqueConstraint(Lower("name"), name="endpointgroup_name_unique")]

    def __str__(self) -> str:
        return self.name
