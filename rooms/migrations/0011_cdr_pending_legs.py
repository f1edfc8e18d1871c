from django.db import migrations


class Migration(migrations.Migration):
    """The legs' participation column had two identical indexes (the foreign key's and a named one)."""

    dependencies = [
        ("rooms", "0010_merge_national_finance_operations"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="bridgeleg", name="bridgeleg_participation_idx"),
    ]
