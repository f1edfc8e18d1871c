"""Cost models gain the transport threshold (Circular 40/2017/TT-BTC Art. 5: the own-vehicle
allowance from 15 km one way, 10 km from especially difficult communes) and the default delegation
per site; the seeded models' notes say which figures are confirmed from the circulars' text and
which are our assumptions (only where the notes are still the seeded ones)."""

from django.conf import settings
from django.db import migrations, models

TRIPS = (
    " Người đi: tối đa 3 đại biểu mỗi điểm cầu (giả định: giấy mời thường triệu tập chủ tịch và một, hai "
    "cán bộ; cuộc họp ghi số khác thì theo cuộc họp); người dự thêm không tính thành tiền. Tự túc phương "
    "tiện chỉ thanh toán từ 15 km một chiều (10 km từ xã đặc biệt khó khăn), Thông tư 40/2017/TT-BTC Điều 5; "
    "quãng đường ngắn hơn vẫn tính km, giờ và CO2. Tốc độ 40 km/h, 4 người/xe, 0,192 kg CO2/xe·km: giả định."
)
SEEDED_2025 = (
    "Phụ cấp lưu trú 300.000 đ/ngày. Phương tiện: 0,2 lít/km × giá xăng giả định 20.000 đ/lít "
    "(giá bán lẻ RON 95-III của Petrolimex, vùng 1, tháng 5/2025, làm tròn) = 4.000 đ/km. Phòng nghỉ giữ "
    "350.000 đ/đêm (mức thành phố thuộc tỉnh)."
)
CHECKED_2025 = (
    "Đã đối chiếu: Thông tư 12/2025/TT-BTC ngày 19/3/2025 của Bộ Tài chính (người ký: Bùi Văn Khang) sửa đổi, "
    "bổ sung một số điều của Thông tư 40/2017/TT-BTC về chế độ công tác phí, chế độ chi hội nghị (phần đầu "
    "văn bản, bản tiếng Anh của LuatVietnam); định mức 0,2 lít xăng/km và ngưỡng 15 km / 10 km của Thông tư "
    "40/2017/TT-BTC Điều 5. Chưa đối chiếu được với toàn văn (nên là giả định cho đến khi kế toán xác nhận): "
    "ngày hiệu lực 04/5/2025 và phụ cấp lưu trú 300.000 đ/ngày. Giả định: giá xăng 20.000 đ/lít (RON 95-III, "
    "Petrolimex, vùng 1, tháng 5/2025, làm tròn) → 4.000 đ/km; phòng nghỉ 350.000 đ/đêm (mức thành phố thuộc "
    "tỉnh của Thông tư 40/2017, chưa xác nhận mức mới)."
)
SEEDED_DATES = ["2010-08-20", "2017-07-01", "2025-05-04"]


def note_trips(apps, schema_editor):
    CostModel = apps.get_model("analytics", "CostModel")
    for model in CostModel.objects.filter(province_code="", effective_from__in=SEEDED_DATES):
        if model.notes == SEEDED_2025:
            model.notes = CHECKED_2025
        if TRIPS not in model.notes:
            model.notes += TRIPS
            model.save(update_fields=["notes"])


def unnote_trips(apps, schema_editor):
    CostModel = apps.get_model("analytics", "CostModel")
    for model in CostModel.objects.filter(province_code="", effective_from__in=SEEDED_DATES):
        notes = model.notes.replace(TRIPS, "")
        model.notes = SEEDED_2025 if notes == CHECKED_2025 else notes
        model.save(update_fields=["notes"])


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0004_verbose_names'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='costmodel',
            name='default_delegates_per_site',
            field=models.PositiveIntegerField(default=3, verbose_name='số đại biểu mỗi điểm cầu (mặc định)'),
        ),
        migrations.AddField(
            model_name='costmodel',
            name='difficult_transport_threshold_km',
            field=models.DecimalField(decimal_places=1, default=10, max_digits=6, verbose_name='ngưỡng tự túc phương tiện xã ĐBKK (km)'),
        ),
        migrations.AddField(
            model_name='costmodel',
            name='transport_threshold_km',
            field=models.DecimalField(decimal_places=1, default=15, max_digits=6, verbose_name='ngưỡng thanh toán tự túc phương tiện (km)'),
        ),
        migrations.AddConstraint(
            model_name='costmodel',
            constraint=models.CheckConstraint(condition=models.Q(('default_delegates_per_site__gte', 1)), name='costmodel_delegates_positive'),
        ),
        migrations.RunPython(note_trips, unnote_trips),
    ]
