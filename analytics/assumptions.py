"""How the figures are computed, one assumption per line with its source ("Cách tính" on the
dashboard): from a cost model as reports list it (savings_math.cost_model_dict)."""

from collections.abc import Callable

from django.utils.translation import gettext as _

from analytics.savings_math import plain

# Circular 40/2017/TT-BTC Art. 5: the own-vehicle allowance is 0.2 litre of petrol per km.
LITRES_PER_KM = 0.2


def group(value: float) -> str:
    """Thousands grouped as Vietnamese writes them (1.234.567,5)."""
    number = plain(value)
    text = f"{number:,}" if isinstance(number, int) else f"{number:,.1f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def assumption_lines(model: dict, *, fmt: Callable[[float], str] = group) -> list[tuple[str, str]]:
    """(assumption, source) for each figure a cost model feeds into the savings; numbers through `fmt`."""
    source = model.get("source") or ""
    assumed = _("giả định của mô hình (xem ghi chú)")
    petrol = float(model["transport_vnd_per_km"]) / LITRES_PER_KM
    return [
        (
            _(
                "Người lẽ ra phải đi: tối đa %(n)s người mỗi điểm cầu, hoặc số cuộc họp ghi khi đặt lịch; "
                "người dự thêm không tính thành tiền."
            )
            % {"n": model["default_delegates_per_site"]},
            assumed,
        ),
        (
            _(
                "Tự túc phương tiện: %(rate)s đ/km (0,2 lít/km × giá xăng %(petrol)s đ/lít), chỉ thanh toán từ "
                "%(km)s km một chiều (%(difficult)s km từ xã đặc biệt khó khăn); ngắn hơn vẫn tính km, giờ và CO2."
            )
            % {
                "rate": fmt(model["transport_vnd_per_km"]),
                "petrol": fmt(petrol),
                "km": fmt(model["transport_threshold_km"]),
                "difficult": fmt(model["difficult_transport_threshold_km"]),
            },
            _("Thông tư 40/2017/TT-BTC Điều 5; giá xăng: %(assumed)s") % {"assumed": assumed},
        ),
        (
            _("Phụ cấp lưu trú: %(vnd)s đ/ngày từ %(km)s km (%(difficult)s km từ xã đặc biệt khó khăn).")
            % {
                "vnd": fmt(model["per_diem_vnd"]),
                "km": fmt(model["per_diem_threshold_km"]),
                "difficult": fmt(model["difficult_per_diem_threshold_km"]),
            },
            source,
        ),
        (
            _("Phòng nghỉ: %(vnd)s đ/đêm, một đêm khi quãng đường từ %(km)s km một chiều.")
            % {"vnd": fmt(model["lodging_vnd_per_night"]), "km": fmt(model["lodging_threshold_km"])},
            assumed,
        ),
        (
            _("Tốc độ trung bình %(speed)s km/h; %(people)s người mỗi xe; %(co2)s kg CO2 mỗi xe·km.")
            % {
                "speed": fmt(model["average_speed_kmh"]),
                "people": model["vehicle_occupancy"],
                "co2": str(model["co2_kg_per_vehicle_km"]).replace(".", ","),
            },
            assumed,
        ),
        (
            _(
                "Đảo, đặc khu: theo quãng đường và phương tiện đã nhập (tàu, máy bay: giá vé hai chiều), "
                "không ước tính đường bộ."
            ),
            _("quy tắc của hệ thống"),
        ),
    ]
