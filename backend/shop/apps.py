from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = _("Épicerie sociale")

    def ready(self) -> None:
        from passes.services.retention import households_anonymised_register
        from shop.retention import sales_anonymise

        households_anonymised_register("shop", sales_anonymise)
        from counter.actions import (
            counter_script_register,
            counter_section_register,
            offline_extra_register,
            undo_guard_register,
            verdict_action_register,
            visit_detail_register,
        )
        from shop.offline import offline_catalogue
        from shop.selectors import sales_said
        from shop.services.sales import visit_sold_refusal
        from shop.views.counter import (
            counter_offline_basket,
            counter_sales_link,
            verdict_basket_action,
        )

        verdict_action_register("basket", verdict_basket_action)
        undo_guard_register("sale", visit_sold_refusal)
        counter_section_register("sales", counter_sales_link)
        visit_detail_register("sales", sales_said)
        offline_extra_register("shop", offline_catalogue)
        counter_script_register("shop", counter_offline_basket)
