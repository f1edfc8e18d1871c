from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Structure(models.TextChoices):
    # Before 1 July 2025: province > district > commune. Since then: province > commune.
    LEGACY = "legacy", _("Ba cấp (trước 7/2025)")
    CURRENT = "current", _("Hai cấp (từ 7/2025)")


class Level(models.TextChoices):
    # Since the 2025 reform the country (code VN) is the root of both trees: the Government hall.
    COUNTRY = "country", _("Quốc gia")
    PROVINCE = "province", _("Tỉnh")
    DISTRICT = "district", _("Huyện")
    COMMUNE = "commune", _("Xã")


class Unit(models.Model):
    """An administrative unit of one structure, identified by its official GSO code."""

    structure = models.CharField(_("địa giới"), max_length=10, choices=Structure.choices)
    code = models.CharField(_("mã"), max_length=10)
    name = models.CharField(_("tên"), max_length=120)
    level = models.CharField(_("cấp"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("đơn vị cấp trên"),
    )
    lat = models.FloatField(_("vĩ độ"), null=True, blank=True)
    lon = models.FloatField(_("kinh độ"), null=True, blank=True)
    # Communes classed as especially difficult get the lower per-diem threshold (10 km, not 15).
    especially_difficult = models.BooleanField(_("đặc biệt khó khăn"), default=False)
    # Islands and special zones (đặc khu) are not reached by road: savings need an entered
    # distance and travel mode for their rooms, never a road estimate from coordinates.
    island = models.BooleanField(_("đảo / đặc khu"), default=False)
    # For a current-tree commune: the legacy communes merged into it on 1 July 2025.
    absorbed = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="absorbed_into", verbose_name=_("đơn vị sáp nhập vào")
    )

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")
        ordering = ["structure", "code"]
        constraints = [
            models.UniqueConstraint(fields=["structure", "code"], name="unit_code_unique_in_structure"),
            models.CheckConstraint(
                # A province may still stand alone (a one-province deployment loaded without VN).
                condition=Q(parent__isnull=True, level__in=["country", "province"])
                | Q(parent__isnull=False) & ~Q(level="country"),
                name="unit_only_country_or_provinces_are_roots",
            ),
            models.CheckConstraint(
                condition=Q(lat__isnull=True) | Q(lat__gte=8, lat__lte=24), name="unit_lat_in_vietnam"
            ),
            models.CheckConstraint(
                condition=Q(lon__isnull=True) | Q(lon__gte=102, lon__lte=118), name="unit_lon_in_vietnam"
            ),
        ]
        indexes = [models.Index(fields=["structure", "level", "parent"], name="unit_tree_idx")]

    def __str__(self) -> str:
        return self.name
