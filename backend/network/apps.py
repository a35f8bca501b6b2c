from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = _("Réseau")

    def ready(self) -> None:
        from network import (
            signals,  # noqa: F401  (connects the audit of logins)
            token_cache,  # noqa: F401  (connects its invalidation)
        )
