from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "analytics"
    verbose_name = _("Phân tích và báo cáo")

    def ready(self) -> None:
        # Cost models and investments go into the audit trail (analytics/audit.py).
        from analytics.audit import register_models

        register_models()
