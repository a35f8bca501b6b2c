from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    # The coordinator's home for now; the monthly statistics are not built yet.
    verbose_name = _("Coordination")

    def ready(self) -> None:
        from network.access import role_home_register
        from network.models import Role

        role_home_register(Role.COORDINATOR, "reports:coordinator-home")
