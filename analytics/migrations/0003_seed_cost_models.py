"""The default cost models for every province, from the national travel-allowance circulars.

Each People's Council may set its own rates: administrators add a province-specific model in the
admin (it wins over these). The figures the circulars fix are per diem, the 0.2 litre/km own-vehicle
allowance and the 15 km / 10 km thresholds; the petrol price and the lodging band are our
assumptions, stated (in Vietnamese, for the leaders who read them) in `notes` so a leader can
defend or change them.
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations

COMMON = {
    "per_diem_threshold_km": Decimal(15),
    "difficult_per_diem_threshold_km": Decimal(10),
    "lodging_threshold_km": Decimal(150),
    "average_speed_kmh": Decimal(40),
    "vehicle_occupancy": 4,
    "co2_kg_per_vehicle_km": Decimal("0.192"),
    "min_meeting_minutes": 30,
}

MODELS = [
    {
        "effective_from": dt.date(2010, 8, 20),
        "source": "Thông tư 97/2010/TT-BTC ngày 06/7/2010 của Bộ Tài chính (chế độ công tác phí), "
        "hiệu lực 20/8/2010: phụ cấp lưu trú tối đa 150.000 đ/ngày",
        "notes": "Phụ cấp lưu trú 150.000 đ/ngày (Thông tư 97/2010/TT-BTC). Phương tiện: 0,2 lít/km × giá xăng "
        "giả định 16.400 đ/lít (giá bán lẻ RON 92 của Petrolimex, vùng 1, tháng 8/2010, làm tròn) = 3.280 đ/km. "
        "Phòng nghỉ: giả định 200.000 đ/đêm (mức cho thành phố, thị xã thuộc tỉnh); ngưỡng 15 km / 10 km "
        "như quy định năm 2017. Mô hình này cũng dùng cho các cuộc họp trước 20/8/2010 (mô hình sớm nhất "
        "tính cho mọi cuộc họp trước nó).",
        "transport_vnd_per_km": Decimal(3280),
        "per_diem_vnd": Decimal(150000),
        "lodging_vnd_per_night": Decimal(200000),
    },
    {
        "effective_from": dt.date(2017, 7, 1),
        "source": "Thông tư 40/2017/TT-BTC ngày 28/4/2017 của Bộ Tài chính, hiệu lực 01/7/2017: "
        "phụ cấp lưu trú 200.000 đ/ngày; tự túc phương tiện 0,2 lít xăng/km (từ 15 km, 10 km xã ĐBKK); "
        "khoán phòng nghỉ 300.000–450.000 đ/đêm",
        "notes": "Phương tiện: 0,2 lít/km × giá xăng giả định 17.000 đ/lít (giá bán lẻ E5 RON 92 / RON 95 của "
        "Petrolimex, vùng 1, tháng 7/2017, làm tròn) = 3.400 đ/km. Phòng nghỉ: 350.000 đ/đêm, mức cho thành phố "
        "thuộc tỉnh (nơi họp là UBND tỉnh tại thành phố tỉnh lỵ).",
        "transport_vnd_per_km": Decimal(3400),
        "per_diem_vnd": Decimal(200000),
        "lodging_vnd_per_night": Decimal(350000),
    },
    {
        "effective_from": dt.date(2025, 5, 4),
        "source": "Thông tư 12/2025/TT-BTC của Bộ Tài chính sửa đổi Thông tư 40/2017/TT-BTC, hiệu lực "
        "04/5/2025: phụ cấp lưu trú 300.000 đ/ngày",
        "notes": "Phụ cấp lưu trú 300.000 đ/ngày. Phương tiện: 0,2 lít/km × giá xăng giả định 20.000 đ/lít "
        "(giá bán lẻ RON 95-III của Petrolimex, vùng 1, tháng 5/2025, làm tròn) = 4.000 đ/km. Phòng nghỉ giữ "
        "350.000 đ/đêm (mức thành phố thuộc tỉnh).",
        "transport_vnd_per_km": Decimal(4000),
        "per_diem_vnd": Decimal(300000),
        "lodging_vnd_per_night": Decimal(350000),
    },
]


def seed(apps, schema_editor):
    CostModel = apps.get_model("analytics", "CostModel")
    for model in MODELS:
        fields = {**COMMON, **model}
        CostModel.objects.get_or_create(
            province_code="", effective_from=fields.pop("effective_from"), defaults=fields
        )


def unseed(apps, schema_editor):
    CostModel = apps.get_model("analytics", "CostModel")
    CostModel.objects.filter(province_code="", effective_from__in=[m["effective_from"] for m in MODELS]).delete()


class Migration(migrations.Migration):
    dependencies = [("analytics", "0002_cost_model_notes")]

    operations = [migrations.RunPython(seed, unseed)]
