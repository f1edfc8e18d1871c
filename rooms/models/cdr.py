"""What the bridges (MCUs) say happened: their call records as received, and the legs derived from them.

BridgeRecord is append-only evidence: a record is stored once (its own key, unique per bridge) and
never changed. BridgeLeg is derived (rooms/cdr/legs.py) and may be rebuilt from the records at any
time; it exists so that the board and the reports read one indexed table.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class RecordSource(models.TextChoices):
    CMS = "cms", _("Cisco Meeting Server")
    PEXIP = "pexip", _("Pexip Infinity")
    CSV = "csv", _("Tệp CSV")


class BridgeRecord(models.Model):
    bridge = models.ForeignKey(
        "rooms.Bridge", on_delete=models.PROTECT, related_name="records", verbose_name=_("MCU"), db_index=False
    )
    source = models.CharField(_("nguồn"), max_length=8, choices=RecordSource.choices)
    # The record's own identity: CMS call bridge + session + record index, Pexip node + sequence,
    # a CSV row's hash. A redelivered record hits the unique constraint and adds nothing.
    key = models.CharField(_("khóa bản ghi"), max_length=255)
    # The call leg (CMS callLeg id, Pexip participant uuid, CSV row hash) the record speaks of:
    # legs are derived from the records of their call leg.
    leg = models.CharField(_("chân cuộc gọi"), max_length=255)
    kind = models.CharField(_("loại"), max_length=32)
    # The remote party, normalised (rooms/cdr/addresses.py), on the record that names it; blank on
    # the others. Legs of one remote party close in time merge (a reconnect).
    remote = models.CharField(_("địa chỉ đầu xa"), max_length=255, blank=True)
    at = models.DateTimeField(_("lúc"))
    payload = models.JSONField(_("nội dung"))
    received_at = models.DateTimeField(_("nhận lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("bản ghi cuộc gọi của MCU")
        verbose_name_plural = _("bản ghi cuộc gọi của MCU")
        constraints = [models.UniqueConstraint(fields=["bridge", "key"], name="bridgerecord_once_per_bridge")]
        # Serves the derivation: every record of the call legs a delivery touched.
        indexes = [
            models.Index(fields=["bridge", "leg"], name="bridgerecord_leg_idx"),
            # Serves the reconnect merge: the earlier and later legs of the same remote party.
            models.Index(fields=["bridge", "remote", "at"], name="bridgerecord_remote_idx", condition=~Q(remote="")),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.key}"


class BridgeLeg(models.Model):
    """A room's connection to a bridge as its records tell it: remote party, connected, disconnected."""

    bridge = models.ForeignKey(
        "rooms.Bridge", on_delete=models.CASCADE, related_name="legs", verbose_name=_("MCU"), db_index=False
    )
    # The call leg id of the first record of this (possibly merged) leg: its derivation key.
    leg = models.CharField(_("chân cuộc gọi"), max_length=255)
    remote = models.CharField(_("địa chỉ đầu xa"), max_length=255)
    connected_at = models.DateTimeField(_("kết nối lúc"))
    # Null while the leg is still connected.
    disconnected_at = models.DateTimeField(_("ngắt lúc"), null=True, blank=True)
    endpoint = models.ForeignKey(
        "rooms.Endpoint",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="legs",
        verbose_name=_("điểm cầu"),
    )
    # The booking of that room the leg falls in; null for a leg outside every booking.
    participation = models.ForeignKey(
        "rooms.Participation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="legs",
        verbose_name=_("điểm cầu tham gia"),
    )

    class Meta:
        verbose_name = _("chân cuộc gọi")
        verbose_name_plural = _("chân cuộc gọi")
        ordering = ["connected_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["bridge", "leg"], name="bridgeleg_once_per_bridge"),
            models.CheckConstraint(
                condition=Q(disconnected_at__isnull=True) | Q(disconnected_at__gte=F("connected_at")),
                name="bridgeleg_ends_after_start",
            ),
        ]
        indexes = [
            # The board and the reports read legs by participation through the
            # foreign key's own index; a second one on the same column only slowed writes.
            # "Does this bridge send records": its first leg.
            models.Index(fields=["bridge", "connected_at"], name="bridgeleg_bridge_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.remote} {self.connected_at:%Y-%m-%d %H:%M}"


class PendingLeg(models.Model):
    """A call leg whose records arrived but whose legs are not derived yet: the worker's queue.

    The receiver writes one row per call leg a delivery brought new records for, in the same
    transaction as the records; the worker (rooms/cdr/tasks.py) derives the legs of a bridge's
    pending call legs and deletes the rows it handled. A later delivery's row for the same call leg
    is a new row, so nothing that arrived during a derivation is lost.
    """

    bridge = models.ForeignKey(
        "rooms.Bridge", on_delete=models.CASCADE, related_name="pending_legs", verbose_name=_("MCU")
    )
    # The call leg id (CMS callLeg, Pexip participant, CSV row hash) of the raw records.
    leg = models.CharField(_("chân cuộc gọi"), max_length=255)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("chân cuộc gọi chờ xử lý")
        verbose_name_plural = _("chân cuộc gọi chờ xử lý")

    def __str__(self) -> str:
        return f"{self.bridge_id} {self.leg}"
