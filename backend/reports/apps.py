from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    # The coordinator's home for now; the monthly statistics are not built yet.
    verbose_name = _("Coordination")
