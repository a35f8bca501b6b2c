from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StockConfig(AppConfig):
    name = "stock"
    verbose_name = _("Stock")

    def ready(self) -> None:
        from counter.actions import manager_section_register
        from stock.views import manager_offline_section, manager_stock_section

        manager_section_register("offline", manager_offline_section)
        manager_section_register("stock", manager_stock_section)
