"""Province settings and coverage targets (API.md "The national network"): the 34 provinces'
host, circuity factor and rollout goals, written by administrators through the API or the admin."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from rooms.models import CoverageTarget, Endpoint, Level, ProvinceSettings, Structure, Unit
from rooms.selectors.provinces import province_code_of_unit

# A target may name the whole country: the coverage report's `province=all` reads these.
NATIONWIDE = "all"


def province_unit(code: str) -> Unit | None:
    """The province of this code (current tree first: the 34 provinces since July 2025)."""
    units = Unit.objects.filter(code=code, level=Level.PROVINCE)
    return units.filter(structure=Structure.CURRENT).first() or units.first()


def province_code_of(unit: Unit) -> str | None:
    return province_code_of_unit(unit) or None


def _check_province_settings(settings: ProvinceSettings) -> None:
    errors: dict[str, list[str]] = {}
    province = province_unit(settings.province_code)
    if province is None:
        errors["code"] = [_("Không có tỉnh mã “%s”.") % settings.province_code]
    elif ProvinceSettings.objects.filter(province_code=settings.province_code).exclude(pk=settings.pk or 0).exists():
        errors["code"] = [_("Tỉnh mã “%s” đã có cấu hình.") % settings.province_code]
    settings.name = " ".join((settings.name or "").split()) or (province.name if province else "")
    if not 1 <= Decimal(settings.circuity_factor) <= 3:
        errors["circuity_factor"] = [_("Hệ số đường vòng phải từ 1 đến 3.")]
    host: Endpoint | None = settings.host
    if host is not None and province is not None and province_code_of(host.unit) != settings.province_code:
        errors["host"] = [_("Điểm cầu chủ trì phải thuộc tỉnh này.")]
    if errors:
        raise ValidationError(errors)
    settings.full_clean(exclude=["province_code"])


@transaction.atomic
def create_province_settings(
    *,
    code: str,
    name: str = "",
    host: Endpoint | None = None,
    circuity_factor: Decimal = Decimal("1.4"),
    **extra: object,
) -> ProvinceSettings:
    settings = ProvinceSettings(province_code=code, name=name, host=host, circuity_factor=circuity_factor, **extra)
    _check_province_settings(settings)
    settings.save()
    return settings


@transaction.atomic
def update_province_settings(*, settings: ProvinceSettings, **fields: object) -> ProvinceSettings:
    if "code" in fields and fields.pop("code") != settings.province_code:
        raise ValidationError({"code": [_("Không đổi được mã tỉnh; tạo cấu hình mới cho tỉnh khác.")]})
    for name, value in fields.items():
        setattr(settings, name, value)
    _check_province_settings(settings)
    settings.save()
    return settings


def _check_target(target: CoverageTarget) -> None:
    errors: dict[str, list[str]] = {}
    if target.province_code != NATIONWIDE and province_unit(target.province_code) is None:
        errors["province"] = [_("Không có tỉnh mã “%s”.") % target.province_code]
    if target.structure not in Structure.values:
        errors["structure"] = [_("Chọn một trong: %s.") % ", ".join(Structure.values)]
    if target.measure not in CoverageTarget.Measure.values:
        errors["measure"] = [_("Chọn một trong: %s.") % ", ".join(CoverageTarget.Measure.values)]
    if not 0 < Decimal(target.percent) <= 100:
        errors["percent"] = [_("Tỷ lệ phải lớn hơn 0 và không quá 100.")]
    clash = CoverageTarget.objects.filter(
        province_code=target.province_code, structure=target.structure, measure=target.measure, due=target.due
    )
    if clash.exclude(pk=target.pk or 0).exists():
        errors["due"] = [_("Tỉnh này đã có mục tiêu cùng chỉ tiêu, cùng cây và cùng hạn.")]
    if errors:
        raise ValidationError(errors)
    target.label = target.label.strip()
    target.full_clean(validate_unique=False)


@transaction.atomic
def create_coverage_target(
    *,
    province: str,
    due: dt.date,
    structure: str = Structure.CURRENT,
    measure: str = CoverageTarget.Measure.INSTALLED,
    percent: Decimal = Decimal(100),
    label: str = "",
) -> CoverageTarget:
    target = CoverageTarget(
        province_code=province, structure=structure, measure=measure, percent=percent, due=due, label=label
    )
    _check_target(target)
    target.save()
    return target


@transaction.atomic
def update_coverage_target(*, target: CoverageTarget, **fields: object) -> CoverageTarget:
    if "province" in fields:
        fields["province_code"] = fields.pop("province")
    for name, value in fields.items():
        setattr(target, name, value)
    _check_target(target)
    target.save()
    return target
