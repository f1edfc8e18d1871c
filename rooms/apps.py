from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoomsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "rooms"
    verbose_name = _("Phòng họp trực tuyến")

    def ready(self) -> None:
        # The audit trail (who changed what) and the API lock-out answer are wired once, here.
        from rooms.audit import register_models
        from vconf import (
            checks,
            layers,  # noqa: F401  (registers the multi-worker system check)
            security,
        )
        from vconf.exceptions import connect_lockout_signal

        register_models()
        connect_lockout_signal()
        checks.register()
        checks.refuse_insecure_start()
        security.install_log_filter()
