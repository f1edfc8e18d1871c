import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vconf.limits import MAX_PEOPLE, MAX_ROAD_KM

from .units import Structure


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class EndpointStatus(models.TextChoices):
    PLANNED = "planned", _("Kế hoạch")
    PILOT = "pilot", _("Thí điểm")
    IN_SERVICE = "in_service", _("Đang hoạt động")
    RETIRED = "retired", _("Ngừng sử dụng")


# Only these can be booked into a meeting.
BOOKABLE_STATUSES = (EndpointStatus.PILOT, EndpointStatus.IN_SERVICE)


class Connection(models.TextChoices):
    GOVERNMENT_NETWORK = "government_network", _("Mạng truyền số liệu chuyên dùng")
    INTERNET = "internet", _("Internet")


class TravelMode(models.TextChoices):
    # How a room's delegation would otherwise reach its host: islands need a boat or a plane.
    ROAD = "road", _("Đường bộ")
    BOAT = "boat", _("Tàu thuyền")
    AIR = "air", _("Máy bay")


class Bridge(models.Model):
    """A multipoint control unit (MCU): the endpoints of overlapping meetings share its ports."""

    name = models.CharField(_("tên"), max_length=120, unique=True)
    ports = models.PositiveIntegerField(_("số cổng"))
    dial_address = models.CharField(_("địa chỉ quay số"), max_length=200, blank=True)
    # The bridge this one cascades to (a provincial MCU's link up to the central MCU).
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("MCU cấp trên"),
    )
    # Whose MCU it is: VN for the central MCU, a province for its provincial IT centre's.
    unit = models.ForeignKey(
        "rooms.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="bridges", verbose_name=_("đơn vị")
    )
    # The secret the MCU puts in its CDR receiver URL (POST /api/bridges/<id>/cdr/?token=...).
    # Null for a bridge written by bulk SQL: it receives nothing until a token is issued. Null,
    # not "", because several such bridges must pass the unique constraint.
    cdr_token = models.CharField(  # noqa: DJ001
        _("mã nhận CDR"), max_length=64, unique=True, null=True, default=new_feed_token
    )

    class Meta:
        verbose_name = _("MCU")
        verbose_name_plural = _("MCU")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(ports__gte=1), name="bridge_has_ports"),
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="bridge_not_its_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class Endpoint(models.Model):
    """A video-conference room at a unit's People's Committee (or one of its departments)."""

    name = models.CharField(_("tên"), max_length=160)
    unit = models.ForeignKey("rooms.Unit", on_delete=models.PROTECT, related_name="endpoints", verbose_name=_("đơn vị"))
    # The legacy-tree commune or district the room served before the July 2025 merger, when the
    # endpoint's unit is on the current tree: coverage on the legacy tree counts it there.
    legacy_unit = models.ForeignKey(
        "rooms.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="legacy_endpoints",
        verbose_name=_("đơn vị cũ"),
    )
    # Every legacy commune a current room serves: a new commune absorbed about three old ones,
    # and legacy-tree coverage counts each of them. legacy_unit stays as the first of them.
    legacy_units = models.ManyToManyField(
        "rooms.Unit", blank=True, related_name="legacy_rooms", verbose_name=_("các đơn vị cũ phục vụ")
    )
    seats = models.PositiveIntegerField(_("số chỗ ngồi"), default=20)
    dial_address = models.CharField(_("địa chỉ quay số"), max_length=200, blank=True)
    # Other dial strings the bridges may report for this room (SIP URI, H.323 ID, E.164, IP).
    # db_default: rows written by bulk SQL (imports, benchmarks) get an empty list too.
    aliases = models.JSONField(
        _("bí danh quay số"), default=list, db_default=models.Value([], output_field=models.JSONField()), blank=True
    )
    connection = models.CharField(
        _("đường truyền"), max_length=20, choices=Connection.choices, default=Connection.GOVERNMENT_NETWORK
    )
    bridge = models.ForeignKey(
        "rooms.Bridge",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="endpoints",
        verbose_name=_("MCU"),
    )
    # One-way road distance to the host in km as entered by a person; wins over the estimate.
    road_km = models.DecimalField(_("khoảng cách đường bộ (km)"), max_digits=7, decimal_places=1, null=True, blank=True)
    # With road_km, the entered trip: by road (own vehicle allowance per km) or, from an island,
    # by boat or air at a one-way fare per person (the ticket is paid, not the km).
    travel_mode = models.CharField(
        _("phương tiện đi lại"), max_length=4, choices=TravelMode.choices, default=TravelMode.ROAD
    )
    fare_vnd = models.DecimalField(
        _("giá vé một chiều (đồng/người)"), max_digits=12, decimal_places=0, null=True, blank=True
    )
    # Current rollout status, denormalised from the latest StatusChange for fast filtering.
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=EndpointStatus.choices, default=EndpointStatus.PLANNED
    )
    status_since = models.DateField(_("trạng thái từ ngày"), null=True, blank=True)
    operators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="operated_endpoints", verbose_name=_("kỹ thuật viên")
    )
    feed_token = models.CharField(_("mã lịch (feed)"), max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("điểm cầu")
        verbose_name_plural = _("điểm cầu")
        ordering = ["unit__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="endpoint_name_unique_in_unit"),
            models.CheckConstraint(condition=Q(seats__gte=1, seats__lte=MAX_PEOPLE), name="endpoint_seats_in_range"),
            models.CheckConstraint(
                condition=Q(road_km__isnull=True) | Q(road_km__gte=0, road_km__lte=MAX_ROAD_KM),
                name="endpoint_road_km_in_range",
            ),
            models.CheckConstraint(
                condition=Q(travel_mode="road", fare_vnd__isnull=True)
                | Q(travel_mode__in=["boat", "air"], fare_vnd__gte=0),
                name="endpoint_fare_only_by_boat_or_air",
            ),
        ]
        indexes = [models.Index(fields=["status", "unit"], name="endpoint_status_unit_idx")]

    def __str__(self) -> str:
        return self.name


class StatusChange(models.Model):
    """One dated step of an endpoint's rollout; together they answer "what was true on day D"."""

    endpoint = models.ForeignKey(
        Endpoint, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("điểm cầu")
    )
    status = models.CharField(_("trạng thái"), max_length=12, choices=EndpointStatus.choices)
    effective = models.DateField(_("hiệu lực từ"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("người đổi"),
    )
    recorded_at = models.DateTimeField(_("ghi lúc"), auto_now_add=True)
    note = models.CharField(_("ghi chú"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("thay đổi trạng thái")
        verbose_name_plural = _("thay đổi trạng thái")
        ordering = ["endpoint", "effective", "id"]
        # Serves the as-of lookups of the coverage report: latest change per endpoint up to a date.
        indexes = [models.Index(fields=["endpoint", "effective"], name="statuschange_asof_idx")]

    def __str__(self) -> str:
        return f"{self.endpoint_id} {self.status} {self.effective}"


class ProvinceSettings(models.Model):
    """Per-province settings: the host site, the road circuity factor."""

    province_code = models.CharField(_("mã tỉnh"), max_length=10, unique=True)
    name = models.CharField(_("tên"), max_length=120)
    # Where meetings would otherwise be held: distances are measured to this endpoint's unit.
    host = models.ForeignKey(
        Endpoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("điểm cầu chủ trì")
    )
    # Road km ≈ straight-line km × this factor (1.2–1.3 lowland, 1.4 mountainous).
    circuity_factor = models.DecimalField(_("hệ số đường vòng"), max_digits=3, decimal_places=2, default=1.4)
    # The province's technical desk: rooms not ready 30 minutes before a meeting are escalated here.
    desk_email = models.EmailField(_("e-mail bàn kỹ thuật"), blank=True, default="")
    desk_phone = models.CharField(_("điện thoại bàn kỹ thuật"), max_length=20, blank=True, default="")
    # Working days' notice a department's request needs, and the office's time to answer it
    # (a ministry's procedure: 3 days' notice, an answer within 2 working days).
    request_lead_days = models.PositiveSmallIntegerField(_("số ngày làm việc báo trước"), default=2)

    class Meta:
        verbose_name = _("cấu hình tỉnh")
        verbose_name_plural = _("cấu hình tỉnh")
        constraints = [
            models.CheckConstraint(
                condition=Q(circuity_factor__gte=1, circuity_factor__lte=3), name="provincesettings_circuity_in_range"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CoverageTarget(models.Model):
    """A rollout goal such as "100% of communes by 2018-12-31"."""

    class Measure(models.TextChoices):
        INSTALLED = "installed", _("Đã lắp đặt")
        IN_SERVICE = "in_service", _("Đang hoạt động")
        ACTIVE = "active", _("Có sử dụng")

    province_code = models.CharField(_("mã tỉnh"), max_length=10)
    structure = models.CharField(_("địa giới"), max_length=10, choices=Structure.choices, default=Structure.CURRENT)
    percent = models.DecimalField(_("tỷ lệ (%)"), max_digits=5, decimal_places=2, default=100)
    due = models.DateField(_("hạn"))
    measure = models.CharField(_("chỉ tiêu"), max_length=12, choices=Measure.choices, default=Measure.INSTALLED)
    label = models.CharField(_("nhãn"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("mục tiêu phủ sóng")
        verbose_name_plural = _("mục tiêu phủ sóng")
        ordering = ["province_code", "due"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gt=0, percent__lte=100), name="coveragetarget_percent_in_range"
            ),
            models.UniqueConstraint(
                fields=["province_code", "structure", "measure", "due"], name="coveragetarget_unique_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.percent}% {self.measure} by {self.due}"
