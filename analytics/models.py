from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CostModel(models.Model):
    """Travel-cost rates in force from a date, for one province or (blank) all provinces.

    Rates are data with a cited source: a meeting is valued with the model in force on its
    date, and a new rate is a new row from its effective date, so history is never rewritten.
    """

    province_code = models.CharField(_("mã tỉnh"), max_length=10, blank=True, help_text=_("Trống = mọi tỉnh"))
    effective_from = models.DateField(_("áp dụng từ"))
    source = models.CharField(_("căn cứ"), max_length=300)
    # The assumptions behind the figures (petrol price, which lodging band), so a leader can defend them.
    notes = models.TextField(_("ghi chú"), blank=True)
    # Own vehicle: 0.2 litre of petrol per km (Circular 40/2017/TT-BTC) at the petrol price.
    transport_vnd_per_km = models.DecimalField(_("chi phí đi lại (đồng/km)"), max_digits=10, decimal_places=0)
    per_diem_vnd = models.DecimalField(_("phụ cấp lưu trú (đồng/ngày)"), max_digits=12, decimal_places=0)
    per_diem_threshold_km = models.DecimalField(_("ngưỡng phụ cấp (km)"), max_digits=6, decimal_places=1, default=15)
    # Especially difficult communes reach the per-diem threshold earlier.
    difficult_per_diem_threshold_km = models.DecimalField(
        _("ngưỡng phụ cấp vùng khó khăn (km)"), max_digits=6, decimal_places=1, default=10
    )
    # Circular 40/2017/TT-BTC Art. 5: the own-vehicle allowance is paid from 15 km one way
    # (10 km from especially difficult communes); shorter trips still count km, hours and CO2.
    transport_threshold_km = models.DecimalField(
        _("ngưỡng thanh toán tự túc phương tiện (km)"), max_digits=6, decimal_places=1, default=15
    )
    difficult_transport_threshold_km = models.DecimalField(
        _("ngưỡng tự túc phương tiện xã ĐBKK (km)"), max_digits=6, decimal_places=1, default=10
    )
    # Who would have travelled when the meeting does not say: the delegation an invitation names
    # per site (the chairman and one or two officials), not everyone in the room.
    default_delegates_per_site = models.PositiveIntegerField(_("số đại biểu mỗi điểm cầu (mặc định)"), default=3)
    lodging_vnd_per_night = models.DecimalField(_("tiền phòng nghỉ (đồng/đêm)"), max_digits=12, decimal_places=0)
    # A trip at least this long one way cannot be done in one day: lodging is paid.
    lodging_threshold_km = models.DecimalField(
        _("ngưỡng nghỉ qua đêm (km)"), max_digits=6, decimal_places=1, default=150
    )
    average_speed_kmh = models.DecimalField(_("tốc độ trung bình (km/h)"), max_digits=5, decimal_places=1, default=40)
    vehicle_occupancy = models.PositiveIntegerField(_("số người mỗi xe"), default=4)
    co2_kg_per_vehicle_km = models.DecimalField(_("CO₂ (kg/xe·km)"), max_digits=6, decimal_places=3, default="0.192")
    min_meeting_minutes = models.PositiveIntegerField(_("thời lượng họp tối thiểu (phút)"), default=30)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("người tạo"),
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("định mức chi phí")
        verbose_name_plural = _("định mức chi phí")
        ordering = ["province_code", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["province_code", "effective_from"], name="costmodel_one_per_day"),
            models.CheckConstraint(condition=Q(average_speed_kmh__gt=0), name="costmodel_speed_positive"),
            models.CheckConstraint(condition=Q(vehicle_occupancy__gte=1), name="costmodel_occupancy_positive"),
            models.CheckConstraint(condition=Q(default_delegates_per_site__gte=1), name="costmodel_delegates_positive"),
            models.CheckConstraint(
                condition=Q(transport_vnd_per_km__gte=0, per_diem_vnd__gte=0, lodging_vnd_per_night__gte=0),
                name="costmodel_rates_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} ({self.effective_from})"


class Investment(models.Model):
    """Money spent on the network (equipment, lines): savings are weighed against it."""

    province_code = models.CharField(_("mã tỉnh"), max_length=10)
    date = models.DateField(_("ngày"))
    amount_vnd = models.DecimalField(_("số tiền (đồng)"), max_digits=16, decimal_places=0)
    description = models.CharField(_("mô tả"), max_length=300)

    class Meta:
        verbose_name = _("khoản đầu tư")
        verbose_name_plural = _("khoản đầu tư")
        ordering = ["province_code", "date"]
        constraints = [models.CheckConstraint(condition=Q(amount_vnd__gt=0), name="investment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.date} {self.amount_vnd} VND"
